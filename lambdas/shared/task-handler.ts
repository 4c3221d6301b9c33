import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type * as z from 'zod/mini';
import { StaleVersionError } from '../domain/errors';
import { logger, traceHandler } from './powertools';
import { loadDeclaredSecrets } from './secrets';

/**
 * The adapter every Step Functions task is built from: parse the task input (a bad input is a bug in the
 * ASL: `InvalidTaskInput`, never retried), run one use case, and make failures speak the ASL's language.
 * Business and channel errors keep their names (CardDeclined, ChannelTimeout, CaptureFailed,
 * InsufficientFundsError...: the `Retry`/`Catch` contract). Infrastructure trouble that a later attempt
 * can cure (DynamoDB throttling or 5xx after the SDK's own retries, a payment changed under us too often)
 * becomes `DependencyUnavailable`, the one name the ASL retries for it. Messages never carry card data.
 */
export class TaskError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

const TRANSIENT_SDK_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
]);

const isTransientInfrastructure = (error: Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number } }): boolean =>
  error instanceof StaleVersionError ||
  TRANSIENT_SDK_ERRORS.has(error.name) ||
  Boolean(error.$retryable) ||
  (error.$metadata?.httpStatusCode ?? 0) >= 500;

export const asTaskError = (error: unknown): Error => {
  if (!(error instanceof Error)) return new TaskError('TaskFailed', String(error));
  if (isTransientInfrastructure(error)) return new TaskError('DependencyUnavailable', `${error.name}: ${error.message}`);
  return error;
};

export const taskHandler = <Schema extends z.ZodMiniType, Result>(definition: {
  readonly step: string;
  readonly input: Schema;
  readonly run: (input: z.infer<Schema>) => Promise<Result>;
}) =>
  middy(async (event: unknown): Promise<Result> => {
    const parsed = definition.input.safeParse(event);
    if (!parsed.success) throw new TaskError('InvalidTaskInput', `${definition.step}: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
    try {
      await loadDeclaredSecrets();
      return await definition.run(parsed.data);
    } catch (error) {
      const taskError = asTaskError(error);
      logger.warn('task failed', { step: definition.step, error_name: taskError.name, error_message: taskError.message });
      throw taskError;
    }
  })
    .use(injectLambdaContext(logger))
    .use(traceHandler());
