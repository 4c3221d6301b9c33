import type { APIGatewayProxyResult } from 'aws-lambda';

/**
 * The Idempotency-Key check of a create whose request carries a secret's keyed fingerprint, across the deploy that
 * added it (docs/decisions/0044-idempotency-record-size.md, amended). `Execute` is Powertools' `makeIdempotent`
 * function of merchant-command-endpoint.ts.
 */
export type Execute = (payload: { key: string; request: unknown }, run: () => Promise<APIGatewayProxyResult>) => Promise<APIGatewayProxyResult>;

/** Stands for the request's work in `answerKeyed`'s look-up of a record written before the keyed fingerprint: never stored. */
class NoRecordBeforeKeyedFingerprintError extends Error {
  override readonly name = 'NoRecordBeforeKeyedFingerprintError';
}

/**
 * The request under its keyed payload, and for a key whose live record was written before the keyed fingerprint
 * joined the payload (its validation hash is of the view alone), that record's answer: a retry across the deploy
 * of a request made before it is replayed, not refused. Only the 422 path looks again, with a function that stores
 * nothing: a record written since holds the keyed payload's hash, which the view alone never matches, so another
 * card or account under it stays refused. Should the record lapse between the two reads, the request runs as new.
 */
export const answerKeyed = async (execute: Execute, key: string, keyed: unknown, view: unknown, run: () => Promise<APIGatewayProxyResult>) => {
  try {
    return await execute({ key, request: keyed }, run);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'IdempotencyValidationError')) throw error;
    try {
      return await execute({ key, request: view }, async () => {
        throw new NoRecordBeforeKeyedFingerprintError();
      });
    } catch (earlier) {
      if (earlier instanceof NoRecordBeforeKeyedFingerprintError) return execute({ key, request: keyed }, run);
      throw earlier instanceof Error && earlier.name === 'IdempotencyValidationError' ? error : earlier;
    }
  }
};
