import { type AttributeValue, type Item, itemSize } from '../../../bench/lib/capacity-units';
import { decodeJournal, recordTypeOf, transactionItems } from '../../../lambdas/adapters/dynamodb/ledger-codec';
import { DEFAULT_PRICING } from '../../../lambdas/domain/ledger/fees';
import type { Position } from '../../../lambdas/domain/ledger/positions';
import { conversion, paymentCaptured, paymentRefunded, paymentSettled, payoutFundsConverted, payoutFundsReleased, payoutFundsReserved, payoutPaid, reversal, buildPosting } from '../../../lambdas/domain/ledger/postings';
import type { JournalTransaction } from '../../../lambdas/domain/ledger/transaction';
import { memoryJournal } from '../../support/memory-journal';

/**
 * The ledger's journal items: every kind of transaction comes back from its items exactly as posted (a
 * replay returns the first posting, byte for byte), and with realistic ids each journal item stays under
 * the 1 KB a write unit covers (AWS's item-size rules, bench/lib/capacity-units.ts).
 */
const now = new Date('2026-12-06T12:00:00.000Z');
const merchantId = 'mer_5x3kq7w2mzj4rl6tn8vy2pa3bc';
const paymentId = 'pay_q2w3e4r5t6y7u7i2o3p4a5s6d7';
const payoutId = 'po_z7x6c5v4b3n2m7l6k5j4h3g2f3';
const conversionId = 'cv_h3g2f7d6s5a4p3o2i7u6y5t4r3';
const terms = { quoteId: 'qt_a2s3d4f5g6h7j2k3l4z5x6c7v2', sellCurrency: 'BRL', sellAmount: 100_000, buyCurrency: 'CAD', buyAmount: 25_265, spreadAmount: 165, rate: '0.2526508828' };

/** The wire form DynamoDB sizes an item by (the document client's marshalling of these plain values). */
const wire = (value: unknown): AttributeValue => {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (Array.isArray(value)) return { L: value.map(wire) };
  if (value && typeof value === 'object') return { M: Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, wire(inner)])) };
  throw new TypeError(`not stored: ${String(value)}`);
};

/** Every template, posted in a life that reaches each one (reversals included). */
const life = (): JournalTransaction[] => {
  const journal = memoryJournal();
  const posted: JournalTransaction[] = [];
  const post = (build: (position: Position) => JournalTransaction, positionId: string) => {
    const transaction = journal.post(build, positionId, merchantId);
    posted.push(transaction);
    return transaction;
  };
  post((position) => buildPosting(paymentCaptured, { merchantId, paymentId, channel: 'acq_atlas', currency: 'BRL', amount: 250_000, authorizedAmount: 250_000 }, position, now, DEFAULT_PRICING), paymentId);
  const refund = post((position) => buildPosting(paymentRefunded, { merchantId, paymentId, refundId: 're_m2n3b4v5c6x7z2l3k4j5h6g7f2', amount: 10_000, currency: 'BRL' }, position, now), paymentId);
  post((position) => buildPosting(reversal, refund, position, now), paymentId);
  post((position) => buildPosting(paymentSettled, { merchantId, paymentId, settlementId: 'stl_2026-12-06_acq_atlas_000123' }, position, now), paymentId);
  post((position) => buildPosting(conversion, { ...terms, merchantId, conversionId }, position, now), conversionId);
  const reserved = post((position) => buildPosting(payoutFundsReserved, { merchantId, payoutId, amount: 100_000, currency: 'BRL' }, position, now), payoutId);
  const converted = post((position) => buildPosting(payoutFundsConverted, { ...terms, merchantId, payoutId }, position, now), payoutId);
  const paid = post((position) => buildPosting(payoutPaid, { merchantId, payoutId, channel: 'rail_keystone' }, position, now), payoutId);
  post((position) => buildPosting(reversal, paid, position, now), payoutId);
  post((position) => buildPosting(reversal, converted, position, now), payoutId);
  post((position) => buildPosting(payoutFundsReleased, { merchantId, payoutId, reason: 'returned' }, position, now), payoutId);
  expect(reserved.kind).toBe('payout_funds_reserved');
  expect(journal.verify().differences).toEqual([]);
  return posted;
};

it('stores every kind of transaction so that it reads back exactly as posted', () => {
  const transactions = life();
  const sequences = new Map<string, number>();
  const items = transactions.flatMap((transaction) => {
    const sequence = (sequences.get(transaction.positionId) ?? 0) + 1;
    sequences.set(transaction.positionId, sequence);
    return transactionItems(transaction, sequence, [{ currency: 'BRL', shard: 3, delta: { pending: 1, available: -1, reserved: 0 } }], 'us-east-1', 4);
  });
  // Through the wire format and back, in any order.
  const stored = items.map((item) => JSON.parse(JSON.stringify(item)) as Record<string, unknown>).reverse();
  const decoded = decodeJournal(stored);
  expect(decoded.map((posted) => posted.transaction).sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual([...transactions].sort((a, b) => (a.id < b.id ? -1 : 1)));
  expect(decoded.every((posted) => posted.region === 'us-east-1' && posted.allocation[0]?.delta.available === -1)).toBe(true);
  expect(stored.filter((item) => recordTypeOf(item) === 'extra_line')).toHaveLength(1); // the conversion's bought currency
});

it('keeps each journal item under 1 KB, so a transactional write of it costs 2 units', () => {
  const sizes = life().map((transaction) => {
    const [item] = transactionItems(transaction, 1, [{ currency: 'BRL', shard: 31, delta: { pending: -2_000_000, available: 2_000_000, reserved: 0 } }], 'ap-southeast-2', 4);
    return { kind: transaction.kind, bytes: itemSize((wire(item) as { M: Item }).M) };
  });
  expect(sizes.filter((size) => size.bytes > 1_024)).toEqual([]);
});
