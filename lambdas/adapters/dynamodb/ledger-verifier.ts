import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { BalanceShard } from '../../domain/ledger/balances';
import { type LedgerSnapshot, type StoredExtraLine, type VerificationReport, verifySnapshot } from '../../domain/ledger/verification';
import { decodeBalance, decodeJournal, decodeExtraLine, recordTypeOf } from './ledger-codec';

/**
 * Read the whole ledger table (parallel strongly consistent scan segments) and check it
 * (domain/ledger/verification.ts). A scan is not a snapshot: run it while nothing posts, or run it twice
 * and trust only differences that persist (docs/ledger.md, "Verifying").
 */
export const scanLedger = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { readonly segments?: number } = {},
): Promise<LedgerSnapshot> => {
  const segments = options.segments ?? 4;
  const journalItems: Record<string, unknown>[] = [];
  const balances: BalanceShard[] = [];
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: tableName, Segment: segment, TotalSegments: segments, ConsistentRead: true, ExclusiveStartKey: start }),
        );
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
  options: { readonly segments?: number } = {},
): Promise<VerificationReport> => verifySnapshot(await scanLedger(client, tableName, options));
