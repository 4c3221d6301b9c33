import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbPayoutRepository, PAYOUT_DAY_BUCKETS, dayBucketKey } from '../../../lambdas/adapters/dynamodb/payout-repository';
import { checkedInSanctionsList } from '../../../lambdas/adapters/screening/checked-in-sanctions-list';
import { deriveId } from '../../../lambdas/domain/ids';
import { screenPayoutRequest } from '../../../lambdas/domain/payouts/screening';
import { tableName } from '../../../platform/tables';
import { type Item, WRITE_UNIT_BYTES, itemSize } from '../../../bench/lib/capacity-units';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';

/**
 * A merchant's payouts of one day (decision record 0057, "The day total grows"): each count is one conditional
 * ADD to the payout's bucket (a hash of its id picks one of 1,024), and the day's total is one strongly consistent
 * Query of the day's partition. Real adapter, real DynamoDB Local.
 */
describe('the payout day total in buckets (DynamoDB Local)', () => {
  let db: IsolatedDynamoDb;
  let payouts: DynamoDbPayoutRepository;
  const requests: string[] = [];
  const merchantId = 'mer_01JF3Q8ZK4N7P2W5X9C6V1DAYT';
  const payoutId = (label: string) => deriveId('po', merchantId, label);
  const count = (day: string, id: string, amount: number, currency = 'USD') => payouts.countPayoutDay({ merchantId, currency, day, payoutId: id, amount });
  /** The day's items as stored (attribute values), every page. */
  const dayItems = async (day: string, currency = 'USD'): Promise<Item[]> => {
    const items: Item[] = [];
    let startKey: Record<string, never> | undefined;
    do {
      const page = await db.client.send(
        new QueryCommand({
          TableName: tableName('payouts'),
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `payout-day#${merchantId}#${currency}#${day}` } },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as unknown as Item[]));
      startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (startKey);
    return items;
  };
  const idsOf = (items: readonly Item[]): string[] => items.flatMap((item) => ((item.payout_ids as { SS?: string[] } | undefined)?.SS ?? []));

  beforeAll(async () => {
    db = await useIsolatedDynamoDb();
    db.documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        requests.push((context.commandName ?? '').replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name: 'recordRequests' },
    );
    payouts = new DynamoDbPayoutRepository(db.documentClient, tableName('payouts'), 'us-east-1');
  });

  beforeEach(() => {
    requests.length = 0;
  });

  it('counts a repeated payout once: one conditional UpdateItem, then one Query', async () => {
    // Prepare
    const day = '2026-03-01';
    const id = payoutId('repeat');

    // Act
    const first = await count(day, id, 5_000);
    const firstRequests = [...requests];
    const second = await count(day, id, 5_000);
    const other = await count(day, payoutId('repeat-other'), 700);

    // Assess
    expect([first, second, other]).toEqual([5_000, 5_000, 5_700]);
    expect(firstRequests).toEqual(['UpdateItem', 'Query']);
    const items = await dayItems(day);
    expect(idsOf(items).sort()).toEqual([id, payoutId('repeat-other')].sort());
    const bucket = items.find((item) => (item.sk as { S: string }).S === dayBucketKey(id))!;
    expect(bucket.total).toEqual({ N: dayBucketKey(id) === dayBucketKey(payoutId('repeat-other')) ? '5700' : '5000' });
    // The TTL: a week past the day (8 days from its start), on every bucket.
    for (const item of items) expect(item.expires_at).toEqual({ N: String(Date.parse(`${day}T00:00:00Z`) / 1000 + 8 * 86_400) });
  });

  it('counts concurrent duplicates of one payout once', async () => {
    // Prepare
    const day = '2026-03-02';
    const id = payoutId('duplicate');

    // Act
    const answers = await Promise.all(Array.from({ length: 12 }, () => count(day, id, 2_500)));

    // Assess
    expect(answers).toEqual(Array.from({ length: 12 }, () => 2_500));
    const items = await dayItems(day);
    expect(idsOf(items)).toEqual([id]);
    expect(items.map((item) => item.total)).toEqual([{ N: '2500' }]);
  });

  it('sums the day across buckets, and only that merchant, currency and day', async () => {
    // Prepare: payouts that fall in different buckets (their bucket is a hash of the id)
    const day = '2026-03-03';
    const ids = Array.from({ length: 40 }, (_, index) => payoutId(`sum-${index}`));
    const buckets = new Set(ids.map(dayBucketKey));
    expect(buckets.size).toBeGreaterThan(30);
    await count('2026-03-04', payoutId('next-day'), 1_000_000);
    await count(day, payoutId('in-euros'), 1_000_000, 'EUR');

    // Act
    const answers: number[] = [];
    for (const [index, id] of ids.entries()) answers.push(await count(day, id, 100 + index));

    // Assess: each answer is the running total, this payout included
    let running = 0;
    expect(answers).toEqual(ids.map((_, index) => (running += 100 + index)));
    const items = await dayItems(day);
    expect(items).toHaveLength(buckets.size);
    expect(items.reduce((sum, item) => sum + Number((item.total as { N: string }).N), 0)).toBe(running);
    expect(await count(day, ids[0]!, 100)).toBe(running);
  });

  it('keeps the daily limit: the payouts it clears never add up to more than the limit, however concurrent', async () => {
    // Prepare: a daily limit of 10,000.00; 30 payouts of 1,000.00 counted at once (today's single item would
    // clear the first 10 in the order of their additions and send the other 20 to review)
    const day = '2026-03-05';
    const limit = 1_000_000;
    const ids = Array.from({ length: 30 }, (_, index) => payoutId(`limit-${index}`));

    // Act
    const totals = await Promise.all(ids.map((id) => count(day, id, 100_000)));
    const screened = totals.map(
      (dayTotal) =>
        screenPayoutRequest({ beneficiaryName: 'Northern Pixel Works Ltd', beneficiaryCountry: 'CA', amount: 100_000, currency: 'USD', list: checkedInSanctionsList, dayTotal, merchantLimits: { daily: limit } })
          .reasons,
    );

    // Assess
    const cleared = screened.filter((reasons) => !reasons.includes('daily_limit')).length;
    expect(cleared * 100_000).toBeLessThanOrEqual(limit);
    expect(screened.filter((reasons) => reasons.includes('daily_limit')).length).toBeGreaterThanOrEqual(20);
    // The last addition sees every one: the day's full total is always answered to someone.
    expect(Math.max(...totals)).toBe(3_000_000);
    expect(Math.min(...totals)).toBeGreaterThanOrEqual(100_000);
    expect(await count(day, ids[0]!, 100_000)).toBe(3_000_000);
  });

  it('spreads 20,000 payouts of one day so that no bucket update costs more than 2 write units', () => {
    // The bucket a payout's count updates, for a day of 20,000 (the volume 0057 sizes the buckets for): each
    // bucket item as the adapter writes it (the test below checks that shape in DynamoDB Local), sized by AWS's rules.
    const buckets = new Map<string, string[]>();
    for (let index = 0; index < 20_000; index += 1) {
      const id = payoutId(`day-${index}`);
      const key = dayBucketKey(id);
      buckets.set(key, [...(buckets.get(key) ?? []), id]);
    }
    expect(buckets.size).toBeLessThanOrEqual(PAYOUT_DAY_BUCKETS);
    const pk = `payout-day#${merchantId}#USD#2026-03-07`;
    const largest = Math.max(
      ...[...buckets].map(([sk, ids]) => itemSize({ pk: { S: pk }, sk: { S: sk }, total: { N: String(ids.length * 99_999_999) }, payout_ids: { SS: ids }, expires_at: { N: '1780000000' } })),
    );
    expect(largest).toBeLessThan(2 * WRITE_UNIT_BYTES);
  });

  it('keeps every update under 1 KB (1 write unit) with 300 payouts in one day', async () => {
    // Prepare
    const day = '2026-03-06';
    const ids = Array.from({ length: 300 }, (_, index) => payoutId(`storm-${index}`));

    // Act: 16 at a time, as a busy Reserve step would
    for (let start = 0; start < ids.length; start += 16) {
      await Promise.all(ids.slice(start, start + 16).map((id) => count(day, id, 1_234)));
    }

    // Assess: the largest bucket, by AWS's item-size rules, is the largest image any update wrote
    const items = await dayItems(day);
    expect(idsOf(items)).toHaveLength(300);
    expect(new Set(idsOf(items)).size).toBe(300);
    expect(items.length).toBeLessThanOrEqual(PAYOUT_DAY_BUCKETS);
    const largest = Math.max(...items.map((item) => itemSize(item)));
    expect(largest).toBeLessThan(WRITE_UNIT_BYTES);
    // What one item holding the whole day would be (the design before 0057's amendment): ~9 KB.
    const oneItem = itemSize({ ...items[0]!, payout_ids: { SS: idsOf(items) } });
    expect(oneItem).toBeGreaterThan(8 * WRITE_UNIT_BYTES);
    expect(await count(day, ids[0]!, 1_234)).toBe(300 * 1_234);
  }, 120_000);
});
