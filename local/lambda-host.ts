import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { deployment } from '../platform/deployment';
import { type FunctionKey, functionEnvironment, functionKeys, functionName, functions } from '../platform/functions';
import type { MetricStore } from './cloudwatch';
import { installLocalIam, invocationIdentity } from './iam/function-permissions';
import { installLocalSigner } from './local-signer';

/**
 * Runs the declared Lambda handler modules in this process, the way the Lambda service would call
 * them: one module instance per function (loaded on first use: a cold start), a Context with the
 * declared timeout, and the function's declared environment. Functions share one process
 * environment, so every function's variables must agree; `localEnvironment` checks that.
 *
 * Each invocation runs as its function: the SDK clients of lambdas/shared/clients.ts refuse, with
 * AccessDeniedException, any call its declared role would not allow in AWS (local/iam/function-permissions.ts).
 * Registered here, on load, so that it is on wherever a LambdaHost runs functions (npm start, the suites, the bench).
 * So is the local signer those clients sign with: SigV4's header without computing a signature no local service
 * checks (local/local-signer.ts).
 */
type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

installLocalIam();
installLocalSigner();

export class LambdaTimeoutError extends Error {
  override readonly name = 'Sandbox.Timedout';
}

/** The union of all functions' environments; a variable two functions set differently is a bug. */
export const localEnvironment = (): Record<string, string> => {
  const merged: Record<string, string> = {};
  for (const key of functionKeys) {
    for (const [name, value] of Object.entries(functionEnvironment(key))) {
      if (merged[name] !== undefined && merged[name] !== value) {
        throw new Error(`Functions disagree on ${name}: '${merged[name]}' vs '${value}'`);
      }
      merged[name] = value;
    }
  }
  return merged;
};

export interface InvocationStats {
  readonly invocations: Record<string, number>;
  readonly errors: Record<string, number>;
  readonly coldStarts: Record<string, number>;
  /** Sum of each invocation's duration rounded up to the millisecond, as Lambda bills it (cold loads excluded). */
  readonly billedMs: Record<string, number>;
}

export class LambdaHost {
  readonly stats: InvocationStats = { invocations: {}, errors: {}, coldStarts: {}, billedMs: {} };

  /**
   * Where Lambda's own `Errors` metric goes, as the Lambda service sends it to CloudWatch: one per failed
   * invocation, account-wide (no dimension) and per function (`FunctionName`). The local CloudWatch (local/cloudwatch.ts).
   */
  metrics?: MetricStore;

  /** Sees every invocation's function and event before it runs (benchmarks keep events to replay). */
  onInvoke?: (key: FunctionKey, event: unknown) => void;

  constructor(private readonly root: string) {}

  private readonly loading = new Map<FunctionKey, Promise<LambdaHandler>>();

  /** First use loads the module (a cold start); concurrent first invocations share one load. */
  private load(key: FunctionKey): Promise<LambdaHandler> {
    let loading = this.loading.get(key);
    if (!loading) {
      const started = performance.now();
      loading = import(pathToFileURL(join(this.root, functions[key].entry)).href).then((module: { handler?: LambdaHandler }) => {
        if (typeof module.handler !== 'function') throw new Error(`${functions[key].entry} exports no handler`);
        this.stats.coldStarts[key] = performance.now() - started;
        return module.handler;
      });
      this.loading.set(key, loading);
    }
    return loading;
  }

  /** Runs one invocation as its function: module initialization and handler alike (see above). */
  invoke<Result = unknown>(key: FunctionKey, event: unknown): Promise<Result> {
    return invocationIdentity.run(key, () => this.run<Result>(key, event));
  }

  private async run<Result>(key: FunctionKey, event: unknown): Promise<Result> {
    const declaration = functions[key];
    const handler = await this.load(key);
    const name = functionName(deployment.appName, key);
    const requestId = randomUUID();
    const deadline = Date.now() + declaration.timeoutSeconds * 1000;
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${deployment.primaryRegion}:000000000000:function:${name}`,
      memoryLimitInMB: String(declaration.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `local/${requestId}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    this.stats.invocations[key] = (this.stats.invocations[key] ?? 0) + 1;
    this.onInvoke?.(key, event);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LambdaTimeoutError(`Task timed out after ${declaration.timeoutSeconds.toFixed(2)} seconds`)),
        declaration.timeoutSeconds * 1000,
      );
    });
    try {
      return (await Promise.race([handler(event, context), timeout])) as Result;
    } catch (error) {
      this.stats.errors[key] = (this.stats.errors[key] ?? 0) + 1;
      for (const dimensions of [{}, { FunctionName: name }] as Record<string, string>[]) this.metrics?.record({ namespace: 'AWS/Lambda', name: 'Errors', dimensions, timestamp: Date.now(), values: [1] });
      throw error;
    } finally {
      clearTimeout(timer);
      this.stats.billedMs[key] = (this.stats.billedMs[key] ?? 0) + Math.ceil(performance.now() - started);
    }
  }
}
