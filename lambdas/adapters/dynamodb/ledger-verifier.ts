import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { BalanceShard } from '../../domain/ledger/balances';
import { type LedgerSnapshot, type StoredExtraLine, type VerificationReport, verifySnapshot } from '../../domain/ledger/verification';
import { decodeBalance, decodeJournal, decodeExtraLine, recordTypeOf } from './ledger-codec';

/** The scan ran past its deadline (`options.deadline`): the table is too large to verify in that time. */
export class LedgerScanDeadlineError extends Error {
  override readonly name = 'LedgerScanDeadlineError';
  constructor(readonly itemsRead: number) {
    super(`The ledger scan passed its deadline after ${itemsRead} items`);
  }
}

/**
 * Read the whole ledger table (parallel strongly consistent scan segments) and check it
 * (domain/ledger/verification.ts). A scan is not a snapshot: run it while nothing posts, or run it twice
 * and trust only differences that persist (docs/ledger.md, "Verifying").
 */
export const scanLedger = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { readonly segments?: number; /** Epoch ms: stop between pages after it (LedgerScanDeadlineError). */ readonly deadline?: number } = {},
): Promise<LedgerSnapshot> => {
  const segments = options.segments ?? 4;
  let itemsRead = 0;
  const journalItems: Record<string, unknown>[] = [];
  const balances: BalanceShard[] = [];
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: tableName, Segment: segment, TotalSegments: segments, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        itemsRead += page.Items?.length ?? 0;
        if (options.deadline !== undefined && Date.now() > options.deadline) throw new LedgerScanDeadlineError(itemsRead);
        for (const item of page.Items ?? []) {
          const type = recordTypeOf(item);
          if (type === 'transaction' || type === 'extra_line') journalItems.push(item);
          else if (type === 'balance') balances.push(decodeBalance(item));
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  const transactions = decodeJournal(journalItems);
  const owners = new Map(transactions.map((posted) => [posted.transaction.id, posted.transaction]));
  const extraLines: StoredExtraLine[] = journalItems
    .filter((item) => recordTypeOf(item) === 'extra_line')
    .map((item) => {
      const transactionId = String(item.t);
      const owner = owners.get(transactionId);
      // Without its transaction the line cannot be read in full; the verifier reports it as an orphan.
      const line = decodeExtraLine(item, owner ?? { id: transactionId, merchantId: '', sourceId: '', createdAt: '' });
      return { transactionId, line };
    });
  return { transactions, extraLines, balances };
};

/** Scan and verify; `differences` is empty when the ledger is consistent. */
export const verifyLedger = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { readonly segments?: number; readonly deadline?: number } = {},
): Promise<VerificationReport> => verifySnapshot(await scanLedger(client, tableName, options));
