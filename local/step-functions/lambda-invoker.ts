import { deployment } from '../../platform/deployment';
import { type FunctionKey, functionKeys, functionName } from '../../platform/functions';
import type { InvokeFunction } from './task-states';

/** What Step Functions reports when a task names a function that does not exist. */
export class FunctionNotFoundError extends Error {
  override readonly name = 'Lambda.ResourceNotFoundException';
}

/**
 * The engine's invoke callback for the declared functions: a function ARN (or qualified ARN) is
 * resolved to its FunctionKey by name, then handed to `invoke` (LambdaHost.invoke in the runtime).
 */
export const declaredFunctionInvoker = (invoke: (key: FunctionKey, payload: unknown) => Promise<unknown>): InvokeFunction => {
  const byName = new Map(functionKeys.map((key) => [functionName(deployment.appName, key), key]));
  return async (functionArn, payload) => {
    // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    const key = byName.get(functionArn.split(':')[6] ?? '');
    if (!key) throw new FunctionNotFoundError(`Function not found: ${functionArn}`);
    return invoke(key, payload);
  };
};
