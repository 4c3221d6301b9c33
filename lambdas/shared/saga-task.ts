import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { logger, tracer } from './powertools';

/**
 * The adapter every Step Functions task (and internal function) is built from: the event validated
 * against its schema (a malformed one is a bug: InvalidTaskInput, which no Retry names), one call into a
 * use case, and a log line per outcome with the ids only. Errors keep their `name`: Step Functions reads
 * it as the task's Error, which the ASL's Retry and Catch match.
 */
export class InvalidTaskInputError extends Error {
  override readonly name = 'InvalidTaskInput';
}

export const sagaTask = <Schema extends z.ZodMiniType, Result>(definition: {
  readonly operation: string;
  readonly input: Schema;
  readonly handle: (input: z.infer<Schema>, context: Context) => Promise<Result>;
}) =>
  middy(async (event: unknown, context: Context): Promise<Result> => {
    const parsed = definition.input.safeParse(event);
    if (!parsed.success) {
      logger.error('invalid task input', { operation: definition.operation, issues: parsed.error.issues.map((issue) => issue.path.join('.')) });
      throw new InvalidTaskInputError(`${definition.operation}: invalid input (${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')})`);
    }
    const ids = Object.fromEntries(Object.entries(parsed.data as Record<string, unknown>).filter(([key]) => /Id$|^step$|^purpose$|^outcome$|^channel$/.test(key)));
    try {
      const result = await definition.handle(parsed.data, context);
      logger.info('task done', { operation: definition.operation, ...ids });
      return result;
    } catch (error) {
      logger.warn('task failed', { operation: definition.operation, ...ids, error_name: (error as Error).name, error_message: (error as Error).message });
      throw error;
    }
  })
    .use(injectLambdaContext(logger))
    .use(captureLambdaHandler(tracer));
