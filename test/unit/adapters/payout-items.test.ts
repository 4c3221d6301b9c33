import { marshall } from '@aws-sdk/util-dynamodb';
import { itemSize as storedSize, writeUnitsOf } from '../../../bench/lib/capacity-units';
import { payoutAttributes, payoutOfAttributes } from '../../../lambdas/adapters/dynamodb/payout-items';
import { payoutOfItem } from '../../../lambdas/adapters/dynamodb/payout-repository';
import {
  type Payout,
  decideReview,
  fundsConverted,
  needsAttention,
  paid,
  recordRailAnswer,
  released,
  reserved,
  returned,
  submitted,
} from '../../../lambdas/domain/payouts/payout';
import { pendingPayout } from '../../support/payouts';

/** DynamoDB's size of an item, by its billing rules (bench/lib/capacity-units.ts), from what the document client writes. */
const itemSize = (item: Record<string, unknown>) => storedSize(marshall(item, { removeUndefinedValues: true }) as Parameters<typeof storedSize>[0]);

const at = (second: number) => new Date(Date.UTC(2026, 11, 7, 15, 0, second, 123));

/** What the repository adds around the attributes: keys, the list index's keys, the region and the recovery marker. */
const keysOf = (payout: Payout) => ({
  pk: payout.id,
  sk: 'payout',
  merchant_type: `${payout.merchantId}#payout`,
  created_key: `${payout.createdAt}#${payout.id}`,
  rg: 'us-east-1',
  saga_shard: 'saga#us-east-1#3',
  saga_pending_since: payout.createdAt,
});

/** A converted payout as the bench makes them: ids of their real length, a metadata pair, a SHA-256 fingerprint. */
const created = (): Payout =>
  pendingPayout(at(0), {
    id: 'po_4X9TQKR2MZP7LWN3VB8CYDQ2HT',
    merchantId: 'mer_01JF3Q8ZK4N7P2W5X9C6V1B3DM',
    beneficiaryId: 'ben_7HQ2K9X4M1P8W3N6C5V2B7D4LT',
    quoteId: 'qt_5N2W8Q4X7K1M9P3C6V2B8D4LTH',
    sourceCurrency: 'USD',
    sourceAmount: 743,
    reference: 'Supplier invoice 2026-1187',
    metadata: { bench_sequence: '123', bench_destination: 'eft_ca' },
    requestFingerprint: 'a3f1c2d4e5b6978812345678901234567890abcdefabcdefabcdefabcdef0123',
  });

/** Every version a paid payout goes through, then its return. */
const lifeOf = (): Payout[] => {
  const versions = [created()];
  const step = (change: (payout: Payout) => Payout) => versions.push(change(versions.at(-1) as Payout));
  step((payout) => reserved(payout, { outcome: 'clear' }, at(1)));
  step((payout) => fundsConverted(payout, at(2)));
  step((payout) => submitted(payout, 'KS-20261207-4X9TQKR2MZ', at(3)));
  step((payout) => recordRailAnswer(payout, { status: 'received' }, at(4)));
  step((payout) => recordRailAnswer(payout, { status: 'paid' }, at(5)));
  step((payout) => paid(payout, at(6)));
  step((payout) => recordRailAnswer(payout, { status: 'returned', failure: { code: 'account_closed', message: 'The beneficiary bank reports the account closed' } }, at(7)));
  step((payout) => returned(payout, { code: 'account_closed', message: 'The beneficiary bank reports the account closed' }, at(8)));
  return versions;
};

const stored = (payout: Payout) => ({ ...keysOf(payout), ...payoutAttributes(payout) });

describe('payout items: how a payout is stored', () => {
  it('reads back exactly the payout it stored, at every version of a life', () => {
    for (const payout of lifeOf()) expect(payoutOfItem(stored(payout))).toEqual(payout);
  });

  it('reads back a review, an operator decision, an attention flag and a release', () => {
    const review = { reasons: ['amount_limit' as const], hits: [], listVersion: 'ofac-2026-12-01', screenedAt: at(1).toISOString() };
    let payout = reserved(created(), { outcome: 'review', review }, at(1));
    payout = decideReview(payout, 'reject', 'ops@example.com', 'not this supplier', at(2));
    payout = needsAttention(payout, 'Release', 'the ledger refused the release', at(3));
    payout = released(payout, at(4));
    expect(payout.review?.decision).toBe('reject');
    expect(payoutOfItem(stored(payout))).toEqual(payout);
  });

  it('stores nothing null or empty, the id once (the key) and the fingerprint as 32 bytes', () => {
    const attributes = payoutAttributes({ ...created(), metadata: {} });
    expect(Object.values(attributes)).not.toContain(null);
    expect(attributes).not.toHaveProperty('id');
    expect(attributes).not.toHaveProperty('metadata');
    expect(attributes).not.toHaveProperty('description');
    expect(attributes.requestFingerprint).toBeInstanceOf(Uint8Array);
    expect((attributes.requestFingerprint as Uint8Array).length).toBe(32);
    expect(attributes.history).toEqual([`pending ${at(0).getTime().toString(36)}`]);
  });

  it('keeps every version of a paid and returned payout under 1 KB: one write unit each (two stored whole)', () => {
    const versions = lifeOf();
    for (const payout of versions) expect(writeUnitsOf(itemSize(stored(payout)))).toBe(1);
    // As the repository stored them before: the whole object, nulls and all, beside the same keys.
    const whole = versions.map((payout) => writeUnitsOf(itemSize({ ...keysOf(payout), ...payout })));
    expect(whole.filter((units) => units === 2).length).toBeGreaterThanOrEqual(4);
  });

  it('reads an item written before (every field, nulls, history as maps, the fingerprint as hex)', () => {
    const payout = lifeOf()[6] as Payout;
    expect(payoutOfItem({ ...keysOf(payout), ...payout })).toEqual(payout);
  });

  it('keeps a history time that is not an ISO string of milliseconds as it was', () => {
    const payout = { ...created(), history: [{ status: 'pending' as const, at: '2026-12-07T15:00:00Z' }] };
    expect(payoutOfAttributes(payout.id, payoutAttributes(payout))).toEqual(payout);
  });
});
