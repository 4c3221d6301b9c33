import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ShardBalance } from '../../domain/ledger/balances';
import type { Position } from '../../domain/ledger/positions';
import type { JournalTransaction, StatementLine } from '../../domain/ledger/transaction';
import { type LedgerSnapshot, type VerificationReport, verifySnapshot } from '../../domain/ledger/verification';
import { recordTypeOf, toLine, toPosition, toShard, toTransaction } from './ledger-store';

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
  const transactions: JournalTransaction[] = [];
  const shards: ShardBalance[] = [];
  const positions: Position[] = [];
  const lines: StatementLine[] = [];
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: tableName, Segment: segment, TotalSegments: segments, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) {
          switch (recordTypeOf(item)) {
            case 'transaction':
              transactions.push(toTransaction(item));
              break;
            case 'balance':
              shards.push(toShard(item));
              break;
            case 'position':
              positions.push(toPosition(item));
              break;
            case 'line':
              lines.push(toLine(item));
              break;
            default:
              break;
          }
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  return { transactions, shards, positions, lines };
};

/** Scan and verify; `differences` is empty when the ledger is consistent. */
export const verifyLedger = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { readonly segments?: number } = {},
): Promise<VerificationReport> => verifySnapshot(await scanLedger(client, tableName, options));
