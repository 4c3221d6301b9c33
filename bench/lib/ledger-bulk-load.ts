import { BatchWriteCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { balanceKey, transactionItems } from '../../lambdas/adapters/dynamodb/ledger-codec';
import { type BalanceReads, DEFAULT_LEDGER_LAYOUT, MERCHANT_FIELDS, type ShardDelta, planBalanceChanges } from '../../lambdas/domain/ledger/balances';
import { DEFAULT_PRICING } from '../../lambdas/domain/ledger/fees';
import { type PostedTransaction, foldPosition } from '../../lambdas/domain/ledger/journal';
import { emptyPosition } from '../../lambdas/domain/ledger/positions';
import { paymentCaptured, paymentSettled, buildPosting } from '../../lambdas/domain/ledger/postings';
import type { JournalTransaction } from '../../lambdas/domain/ledger/transaction';
import { forEachLimited } from '../../lambdas/shared/concurrency';

/**
 * For drills that need many settled payments in the ledger, fast: the same posting templates
 * (domain/ledger/postings.ts `paymentCaptured`, `paymentSettled`), the same balance planning and the same
 * storage codec as the posting path, but written in bulk (BatchWriteItem of the journal items, then one
 * ADD per balance shard with the sum of the allocations) instead of one TransactWriteItems per posting.
 * Only for a ledger nobody else writes to meanwhile (the guards of the posting path are not there); the
 * ledger verifier proves the result is what the posting path would have written.
 */
export interface BulkPayment {
  readonly merchantId: string;
  readonly paymentId: string;
  readonly channel: string;
  readonly currency: string;
  readonly amount: number;
  readonly capturedAt: Date;
  /** Settle it too, under this settlement id (what the acquirer's capture.settled webhook does). */
  readonly settlementId?: string;
}

type Item = Record<string, unknown>;

export const bulkLoadPayments = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  region: string,
  payments: readonly BulkPayment[],
  concurrency = 8,
): Promise<{ transactions: number }> => {
  const layout = DEFAULT_LEDGER_LAYOUT;
  const items: Item[] = [];
  let transactions = 0;
  const shards = new Map<string, { merchantId: string; currency: string; shard: number; delta: Record<string, number> }>();
  const noReads: BalanceReads = new Map();
  const post = (transaction: JournalTransaction, history: PostedTransaction[], position: ReturnType<typeof foldPosition>): PostedTransaction => {
    const plan = planBalanceChanges(transaction, position, noReads, { shards: layout.balanceShards, random: Math.random });
    if (plan.kind !== 'planned') throw new Error(`${transaction.id} needs balance reads: not a bulk posting`);
    const allocation: ShardDelta[] = plan.changes.map(({ currency, shard, delta }) => ({ currency, shard, delta }));
    const sequence = history.length + 1;
    transactions += 1;
    items.push(...transactionItems(transaction, sequence, allocation, region, layout.statementPartitions));
    for (const { currency, shard, delta } of allocation) {
      const key = `${transaction.merchantId}|${currency}|${shard}`;
      const total = shards.get(key) ?? { merchantId: transaction.merchantId, currency, shard, delta: {} };
      for (const field of MERCHANT_FIELDS) total.delta[field] = (total.delta[field] ?? 0) + delta[field];
      shards.set(key, total);
    }
    return { transaction, sequence, allocation, region };
  };
  for (const payment of payments) {
    const history: PostedTransaction[] = [];
    const start = emptyPosition(payment.paymentId, payment.merchantId);
    const capture = buildPosting(paymentCaptured, { merchantId: payment.merchantId, paymentId: payment.paymentId, channel: payment.channel, currency: payment.currency, amount: payment.amount, authorizedAmount: payment.amount }, start, payment.capturedAt, DEFAULT_PRICING);
    history.push(post(capture, history, start));
    if (payment.settlementId) {
      const position = foldPosition(payment.paymentId, payment.merchantId, history);
      const settlement = buildPosting(paymentSettled, { merchantId: payment.merchantId, paymentId: payment.paymentId, settlementId: payment.settlementId }, position, payment.capturedAt);
      history.push(post(settlement, history, position));
    }
  }
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, index) => items.slice(index * 25, index * 25 + 25));
  await forEachLimited(batches, concurrency, async (batch) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt > 10) throw new Error('BatchWriteItem left journal items unprocessed after 10 attempts');
      const { UnprocessedItems: left } = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (left?.[tableName] ?? []) as typeof requests;
      if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
  });
  await forEachLimited([...shards.values()], concurrency, async ({ merchantId, currency, shard, delta }) => {
    const fields = MERCHANT_FIELDS.filter((field) => (delta[field] ?? 0) !== 0);
    if (fields.length === 0) return;
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: balanceKey(merchantId, currency, shard, layout.balancePartitions),
        UpdateExpression: `ADD ${fields.map((field) => `#${field} :${field}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(fields.map((field) => [`#${field}`, field])),
        ExpressionAttributeValues: Object.fromEntries(fields.map((field) => [`:${field}`, delta[field]])),
      }),
    );
  });
  return { transactions };
};
