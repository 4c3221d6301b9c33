import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * TransactWriteItems with the two things every caller needs: conflicts retried with exponential back-off
 * and full jitter (DynamoDB cancels a transaction touching an item another transaction holds; the SDK does
 * not retry that), and a clear answer about which condition failed.
 */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export class TransactionConditionFailedError extends Error {
  override readonly name = 'TransactionConditionFailedError';

  /** Indexes (in the submitted order) of the items whose condition failed. */
  constructor(readonly failedIndexes: readonly number[]) {
    super(`Transaction condition failed on item(s) ${failedIndexes.join(', ')}`);
  }
}

export class TransactionConflictRetriesExhaustedError extends Error {
  override readonly name = 'DependencyUnavailable';
}

const MAX_CONFLICT_ATTEMPTS = 6;
const BASE_DELAY_MS = 25;

export const transactWrite = async (client: DynamoDBDocumentClient, items: TransactItem[], clientRequestToken?: string): Promise<void> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: clientRequestToken }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
      if (failed.length) throw new TransactionConditionFailedError(failed);
      const conflict = reasons.some((reason) => reason.Code === 'TransactionConflict');
      if (!conflict) throw error;
      if (attempt >= MAX_CONFLICT_ATTEMPTS) {
        throw new TransactionConflictRetriesExhaustedError(`Transaction conflicted ${attempt} times`, { cause: error });
      }
      const ceiling = BASE_DELAY_MS * 2 ** (attempt - 1);
      await new Promise((wait) => setTimeout(wait, Math.random() * ceiling));
    }
  }
};
