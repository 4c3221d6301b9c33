import fc from 'fast-check';
import { ACCOUNT_RULES } from '../../../../lambdas/domain/ledger/accounts';
import { type ShardBalance, planBalanceUpdates, summarizeMerchantShards } from '../../../../lambdas/domain/ledger/balances';
import { DEFAULT_PRICING } from '../../../../lambdas/domain/ledger/fees';
import { emptyPosition } from '../../../../lambdas/domain/ledger/positions';
import {
  paymentCaptured,
  paymentRefunded,
  paymentSettled,
  payoutFundsReserved,
  positionAfter,
  reversal,
} from '../../../../lambdas/domain/ledger/postings';
import { type JournalTransaction, entryProblems, reverse, totalsByCurrency } from '../../../../lambdas/domain/ledger/transaction';
import { verifySnapshot } from '../../../../lambdas/domain/ledger/verification';

const now = new Date('2026-11-21T12:00:00.000Z');
const capture = (amount: number, currency = 'USD', paymentId = 'pay_1') =>
  paymentCaptured(
    { merchantId: 'mer_1', paymentId, channel: 'acq_1', currency, amount, authorizedAmount: amount },
    emptyPosition(paymentId, 'mer_1'),
    DEFAULT_PRICING,
    now,
  ).transaction;

describe('posting templates', () => {
  it('derives the transaction id from the event: the same event is the same transaction', () => {
    expect(capture(1_000).id).toBe(capture(1_000).id);
    expect(capture(1_000).id).toMatch(/^txn_[a-z2-7]{26}$/);
    expect(capture(1_000, 'USD', 'pay_2').id).not.toBe(capture(1_000).id);
  });

  it('balances every template in every currency, fee as its own entry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999_999 }), fc.constantFrom('JPY', 'USD', 'KWD', 'EUR'), (amount, currency) => {
        const captured = capture(amount, currency);
        const afterCapture = positionAfter(emptyPosition('pay_1', 'mer_1'), captured);
        const refund = paymentRefunded({ merchantId: 'mer_1', paymentId: 'pay_1', refundId: 're_1', amount, currency }, afterCapture, now);
        const settled = paymentSettled({ merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's1' }, afterCapture, now);
        for (const transaction of [captured, refund, settled, reverse(captured, now.toISOString())]) {
          expect(entryProblems(transaction)).toEqual([]);
        }
        const fee = captured.entries.find((entry) => entry.account.startsWith('platform_fee_revenue'))?.amount ?? 0;
        expect(captured.line).toMatchObject({ amount, fee, net: amount - fee });
      }),
    );
  });

  it('refuses what the position forbids, by name', () => {
    const captured = capture(1_000);
    const position = positionAfter(emptyPosition('pay_1', 'mer_1'), captured);
    expect(() =>
      paymentCaptured({ merchantId: 'mer_1', paymentId: 'pay_1', channel: 'acq_1', currency: 'USD', amount: 1_000, authorizedAmount: 1_000 }, position, DEFAULT_PRICING, now),
    ).toThrow(expect.objectContaining({ name: 'PostingRejectedError', reason: 'already_captured' }));
    expect(() =>
      paymentCaptured({ merchantId: 'mer_1', paymentId: 'pay_9', channel: 'acq_1', currency: 'USD', amount: 1_001, authorizedAmount: 1_000 }, emptyPosition('pay_9', 'mer_1'), DEFAULT_PRICING, now),
    ).toThrow(expect.objectContaining({ reason: 'capture_exceeds_authorized' }));
    expect(() => paymentRefunded({ merchantId: 'mer_1', paymentId: 'pay_1', refundId: 're_1', amount: 1_000, currency: 'EUR' }, position, now)).toThrow(
      expect.objectContaining({ reason: 'currency_mismatch' }),
    );
    expect(() => paymentRefunded({ merchantId: 'mer_1', paymentId: 'pay_2', refundId: 're_1', amount: 1, currency: 'USD' }, emptyPosition('pay_2', 'mer_1'), now)).toThrow(
      expect.objectContaining({ reason: 'not_captured' }),
    );
    expect(() => paymentRefunded({ merchantId: 'mer:1', paymentId: 'pay_1', refundId: 're_1', amount: 1, currency: 'USD' }, position, now)).toThrow(
      expect.objectContaining({ reason: 'invalid_input' }),
    );
    const settled = positionAfter(position, paymentSettled({ merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's1' }, position, now));
    expect(() => paymentSettled({ merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's2' }, settled, now)).toThrow(
      expect.objectContaining({ reason: 'nothing_to_settle' }),
    );
  });

  it('settles a fully refunded payment by marking its line available without moving money', () => {
    const captured = capture(1_000);
    const position = positionAfter(emptyPosition('pay_1', 'mer_1'), captured);
    const refunded = positionAfter(position, paymentRefunded({ merchantId: 'mer_1', paymentId: 'pay_1', refundId: 're_1', amount: 1_000, currency: 'USD' }, position, now));
    const settlement = paymentSettled({ merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's1' }, refunded, now);
    expect(settlement.entries).toEqual([]);
    expect(settlement.lineChanges).toEqual([{ lineId: captured.id, from: 'pending', to: 'available', availableOn: now.toISOString() }]);
  });
});

describe('reverse', () => {
  it('mirrors every entry, undoes the position delta and negates the line', () => {
    const original = capture(10_000);
    const mirror = reverse(original, now.toISOString());
    expect(mirror.reverses).toBe(original.id);
    expect(mirror.entries.map((entry) => entry.side)).toEqual(['credit', 'debit', 'debit']);
    expect(mirror.entries.map((entry) => entry.amount)).toEqual(original.entries.map((entry) => entry.amount));
    expect(mirror.positionDelta.captured).toBe(-10_000);
    expect(mirror.line).toMatchObject({ type: 'adjustment', amount: -10_000, fee: -320, net: -9_680 });
    const position = positionAfter(emptyPosition('pay_1', 'mer_1'), original);
    expect(positionAfter(position, mirror).counters).toEqual(Object.fromEntries(Object.keys(position.counters).map((name) => [name, 0])));
  });

  it('has a deterministic id (one reversal per transaction) and refuses to reverse a reversal', () => {
    const original = capture(10_000);
    expect(reverse(original, 'a').id).toBe(reverse(original, 'b').id);
    expect(() => reverse(reverse(original, 'a'), 'b')).toThrow(expect.objectContaining({ reason: 'reversal_of_reversal' }));
  });

  it('refuses a reversal the position no longer allows (capture already refunded)', () => {
    const original = capture(1_000);
    const position = positionAfter(emptyPosition('pay_1', 'mer_1'), original);
    const refunded = positionAfter(position, paymentRefunded({ merchantId: 'mer_1', paymentId: 'pay_1', refundId: 're_1', amount: 500, currency: 'USD' }, position, now));
    expect(() => reversal(original, refunded, now)).toThrow(expect.objectContaining({ reason: 'reversal_not_allowed' }));
  });
});

describe('shard planning', () => {
  const reserve = payoutFundsReserved({ merchantId: 'mer_1', payoutId: 'po_1', amount: 900, currency: 'USD' }, emptyPosition('po_1', 'mer_1'), now);
  const shards = (...balances: number[]): Map<string, ShardBalance[]> =>
    new Map([['merchant_available:mer_1:USD', balances.map((balance, shard) => ({ account: 'merchant_available:mer_1:USD', shard, balance, debits: 0, credits: balance }))]]);

  it('takes a decrease from one shard that holds enough, guarded by that shard\'s balance', () => {
    const updates = planBalanceUpdates(reserve, shards(100, 1_000, 50, 2_000), { random: () => 0 });
    expect(updates.find((update) => update.account === 'merchant_available:mer_1:USD')).toEqual({
      account: 'merchant_available:mer_1:USD',
      shard: 1,
      delta: -900,
      debits: 900,
      credits: 0,
      requireAtLeast: 900,
    });
  });

  it('splits a decrease over the fullest shards when none holds enough alone', () => {
    const updates = planBalanceUpdates(reserve, shards(400, 300, 250, 0), { random: () => 0.5 }).filter((update) => update.account.startsWith('merchant_available'));
    expect(updates.map((update) => [update.shard, update.delta, update.requireAtLeast])).toEqual([
      [0, -400, 400],
      [1, -300, 300],
      [2, -200, 200],
    ]);
  });

  it('refuses with InsufficientFundsError when all shards together hold too little', () => {
    expect(() => planBalanceUpdates(reserve, shards(400, 300, 199), { random: () => 0 })).toThrow(
      expect.objectContaining({ name: 'InsufficientFundsError', needed: 900, available: 899 }),
    );
  });

  it('spreads increases over the declared shards without reading', () => {
    const captured = capture(1_000);
    const shards = ACCOUNT_RULES.merchant_pending.shards;
    let draw = 0;
    const sweep = () => ((draw++ % shards) + 0.5) / shards; // every shard's slice of [0, 1) in turn
    const used = new Set(
      Array.from({ length: shards }, () => planBalanceUpdates(captured, new Map(), { random: sweep })).flatMap((updates) =>
        updates.filter((update) => update.account.startsWith('merchant_pending')).map((update) => update.shard),
      ),
    );
    expect([...used].sort((a, b) => a - b)).toEqual(Array.from({ length: shards }, (_, index) => index));
    expect(planBalanceUpdates(captured, new Map(), { random: () => 0.999_999 }).every((update) => update.shard < 64)).toBe(true);
    expect(planBalanceUpdates(captured, new Map(), { random: Math.random, shardCounts: { merchant_pending: 1 } }).find((u) => u.account.startsWith('merchant_pending'))?.shard).toBe(0);
  });

  it('sums shards per currency into available, pending and reserved', () => {
    const shard = (account: string, balance: number, index = 0): ShardBalance => ({ account, shard: index, balance, debits: 0, credits: balance });
    expect(
      summarizeMerchantShards([
        shard('merchant_pending:mer_1:USD', 5),
        shard('merchant_pending:mer_1:USD', 7, 1),
        shard('merchant_available:mer_1:JPY', 100),
        shard('merchant_reserved:mer_1:USD', 3),
      ]),
    ).toEqual([
      { currency: 'JPY', available: 100, pending: 0, reserved: 0 },
      { currency: 'USD', available: 0, pending: 12, reserved: 3 },
    ]);
  });
});

describe('verifySnapshot', () => {
  const captured = capture(10_000);
  const position = positionAfter(emptyPosition('pay_1', 'mer_1'), captured);
  const shardsOf = (transaction: JournalTransaction): ShardBalance[] =>
    planBalanceUpdates(transaction, new Map(), { random: () => 0 }).map((update) => ({
      account: update.account,
      shard: update.shard,
      balance: update.delta,
      debits: update.debits,
      credits: update.credits,
    }));
  const consistent = { transactions: [captured], shards: shardsOf(captured), positions: [position], lines: [captured.line!] };

  it('finds nothing wrong in a consistent ledger', () => {
    expect(verifySnapshot(consistent).differences).toEqual([]);
    expect(totalsByCurrency(captured.entries).get('USD')).toEqual({ debits: 10_000, credits: 10_000 });
  });

  it.each<[string, (snapshot: typeof consistent) => typeof consistent, string]>([
    ['a tampered balance', (s) => ({ ...s, shards: s.shards.map((shard, i) => (i === 0 ? { ...shard, balance: shard.balance + 1 } : shard)) }), 'balance_mismatch'],
    ['an unbalanced transaction', (s) => ({ ...s, transactions: [{ ...captured, entries: captured.entries.slice(1) }] }), 'malformed_transaction'],
    ['a lost balance update', (s) => ({ ...s, shards: s.shards.slice(1) }), 'balance_mismatch'],
    ['a position out of step', (s) => ({ ...s, positions: [{ ...position, counters: { ...position.counters, refunded: 1 } }] }), 'position_mismatch'],
    ['a missing line', (s) => ({ ...s, lines: [] }), 'missing_line'],
    ['a line with another amount', (s) => ({ ...s, lines: [{ ...captured.line!, net: 1 }] }), 'line_mismatch'],
    ['a negative merchant shard', (s) => ({ ...s, shards: [...s.shards, { account: 'merchant_available:mer_1:USD', shard: 0, balance: -5, debits: 5, credits: 0 }] }), 'negative_balance'],
  ])('reports %s', (_case, tamper, kind) => {
    expect(verifySnapshot(tamper(consistent)).differences).toEqual(expect.arrayContaining([expect.objectContaining({ kind })]));
  });
});
