import fc from 'fast-check';
import {
  type BalanceShard,
  type CurrencyRead,
  homeShard,
  planBalanceChanges,
  summarizeMerchantShards,
} from '../../../../lambdas/domain/ledger/balances';
import { DEFAULT_PRICING } from '../../../../lambdas/domain/ledger/fees';
import { foldPosition } from '../../../../lambdas/domain/ledger/journal';
import { emptyPosition } from '../../../../lambdas/domain/ledger/positions';
import { conversion, paymentCaptured, paymentRefunded, paymentSettled, payoutFundsReleased, payoutFundsReserved, positionAfter, reversal, buildPosting } from '../../../../lambdas/domain/ledger/postings';
import { entryProblems, extraLineId, reverse, routeOfId, routeOfPosition, totalsByCurrency, transactionId } from '../../../../lambdas/domain/ledger/transaction';
import type { LedgerSnapshot } from '../../../../lambdas/domain/ledger/verification';
import { verifySnapshot } from '../../../../lambdas/domain/ledger/verification';
import { memoryJournal } from '../../../support/memory-journal';

const now = new Date('2026-11-21T12:00:00.000Z');
const capture = (amount: number, currency = 'USD', paymentId = 'pay_1') =>
  buildPosting(paymentCaptured, { merchantId: 'mer_1', paymentId, channel: 'acq_1', currency, amount, authorizedAmount: amount }, emptyPosition(paymentId, 'mer_1'), now, DEFAULT_PRICING);

describe('posting templates', () => {
  it('derives the transaction id from the event: the same event is the same transaction', () => {
    expect(capture(1_000).id).toBe(capture(1_000).id);
    expect(capture(1_000).id).toMatch(/^txn_[a-z2-7]{26}$/);
    expect(capture(1_000, 'USD', 'pay_2').id).not.toBe(capture(1_000).id);
  });

  it('routes every id of a position (transactions, reversals, extra lines) to the position', () => {
    const route = routeOfPosition('pay_1');
    const ids = [
      transactionId('payment_captured', 'pay_1', '1'),
      transactionId('payment_settled', 'pay_1', 'stl_1'),
      transactionId('payment_refunded', 'pay_1', 're_1'),
      transactionId('reversal', transactionId('payment_refunded', 'pay_1', 're_1')),
      extraLineId(transactionId('payment_captured', 'pay_1', '1'), 1),
    ];
    expect(ids.map(routeOfId)).toEqual(ids.map(() => route));
    expect(new Set(ids).size).toBe(ids.length);
    expect(routeOfPosition('pay_2')).not.toBe(route);
  });

  it('balances every template in every currency, fee as its own entry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999_999 }), fc.constantFrom('JPY', 'USD', 'KWD', 'EUR'), (amount, currency) => {
        const captured = capture(amount, currency);
        const afterCapture = positionAfter(emptyPosition('pay_1', 'mer_1'), captured);
        const refund = buildPosting(paymentRefunded, { merchantId: 'mer_1', paymentId: 'pay_1', refundId: 're_1', amount, currency }, afterCapture, now);
        const settled = buildPosting(paymentSettled, { merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's1' }, afterCapture, now);
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
      buildPosting(paymentCaptured, { merchantId: 'mer_1', paymentId: 'pay_1', channel: 'acq_1', currency: 'USD', amount: 1_000, authorizedAmount: 1_000 }, position, now, DEFAULT_PRICING),
    ).toThrow(expect.objectContaining({ name: 'PostingRejectedError', reason: 'already_captured' }));
    expect(() =>
      buildPosting(paymentCaptured, { merchantId: 'mer_1', paymentId: 'pay_9', channel: 'acq_1', currency: 'USD', amount: 1_001, authorizedAmount: 1_000 }, emptyPosition('pay_9', 'mer_1'), now, DEFAULT_PRICING),
    ).toThrow(expect.objectContaining({ reason: 'capture_exceeds_authorized' }));
    expect(() => buildPosting(paymentRefunded, { merchantId: 'mer_1', paymentId: 'pay_1', refundId: 're_1', amount: 1_000, currency: 'EUR' }, position, now)).toThrow(
      expect.objectContaining({ reason: 'currency_mismatch' }),
    );
    expect(() => buildPosting(paymentRefunded, { merchantId: 'mer_1', paymentId: 'pay_2', refundId: 're_1', amount: 1, currency: 'USD' }, emptyPosition('pay_2', 'mer_1'), now)).toThrow(
      expect.objectContaining({ reason: 'not_captured' }),
    );
    expect(() => buildPosting(paymentRefunded, { merchantId: 'mer:1', paymentId: 'pay_1', refundId: 're_1', amount: 1, currency: 'USD' }, position, now)).toThrow(
      expect.objectContaining({ reason: 'invalid_input' }),
    );
    const settled = positionAfter(position, buildPosting(paymentSettled, { merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's1' }, position, now));
    expect(() => buildPosting(paymentSettled, { merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's2' }, settled, now)).toThrow(
      expect.objectContaining({ reason: 'nothing_to_settle' }),
    );
  });

  it('settles a fully refunded payment by marking its line available without moving money', () => {
    const captured = capture(1_000);
    const position = positionAfter(emptyPosition('pay_1', 'mer_1'), captured);
    const refunded = positionAfter(position, buildPosting(paymentRefunded, { merchantId: 'mer_1', paymentId: 'pay_1', refundId: 're_1', amount: 1_000, currency: 'USD' }, position, now));
    const settlement = buildPosting(paymentSettled, { merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's1' }, refunded, now);
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
    const refunded = positionAfter(position, buildPosting(paymentRefunded, { merchantId: 'mer_1', paymentId: 'pay_1', refundId: 're_1', amount: 500, currency: 'USD' }, position, now));
    expect(() => buildPosting(reversal, original, refunded, now)).toThrow(expect.objectContaining({ reason: 'reversal_not_allowed' }));
  });
});

describe('balance planning', () => {
  const SHARDS = 8;
  const options = { shards: SHARDS, random: () => 0 };
  const item = (shard: number, fields: Partial<BalanceShard> = {}): BalanceShard => ({ merchantId: 'mer_1', currency: 'USD', shard, pending: 0, available: 0, reserved: 0, ...fields });
  const read = (complete: boolean, ...items: BalanceShard[]) => new Map<string, CurrencyRead>([['USD', { items, complete }]]);
  const reserve = (amount: number, position = emptyPosition('po_1', 'mer_1')) =>
    buildPosting(payoutFundsReserved, { merchantId: 'mer_1', payoutId: 'po_1', amount, currency: 'USD' }, position, now);

  it('credits a capture to the payment\'s home shard without reading anything', () => {
    const position = emptyPosition('pay_1', 'mer_1');
    const plan = planBalanceChanges(capture(10_000), position, new Map(), options);
    expect(plan).toEqual({
      kind: 'planned',
      changes: [{ currency: 'USD', shard: homeShard('pay_1', SHARDS), delta: { pending: 9_680, available: 0, reserved: 0 }, atLeast: { pending: 0, available: 0, reserved: 0 } }],
    });
    // Payments spread over every shard.
    const used = new Set(Array.from({ length: 200 }, (_, index) => homeShard(`pay_${index}`, SHARDS)));
    expect(used.size).toBe(SHARDS);
  });

  it('settles on the shard the payment\'s pending funds are pinned to: one item, pending → available, no read', () => {
    const journal = memoryJournal({ shards: SHARDS });
    journal.post((position) => buildPosting(paymentCaptured, { merchantId: 'mer_1', paymentId: 'pay_1', channel: 'acq_1', currency: 'USD', amount: 10_000, authorizedAmount: 10_000 }, position, now, DEFAULT_PRICING), 'pay_1');
    const position = journal.position('pay_1');
    const shard = homeShard('pay_1', SHARDS);
    expect(position.held).toEqual({ [`USD#${shard}`]: 9_680 });
    const settlement = buildPosting(paymentSettled, { merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's1' }, position, now);
    expect(planBalanceChanges(settlement, position, new Map(), options)).toEqual({
      kind: 'planned',
      changes: [{ currency: 'USD', shard, delta: { pending: -9_680, available: 9_680, reserved: 0 }, atLeast: { pending: 9_680, available: 0, reserved: 0 } }],
    });
  });

  it('reads the preferred shard first, then every shard, before taking available funds', () => {
    const home = homeShard('po_1', SHARDS);
    expect(planBalanceChanges(reserve(900), emptyPosition('po_1', 'mer_1'), new Map(), options)).toEqual({ kind: 'read', requests: [{ currency: 'USD', shards: [home] }] });
    expect(planBalanceChanges(reserve(900), emptyPosition('po_1', 'mer_1'), read(false, item(home, { available: 100 })), options)).toEqual({
      kind: 'read',
      requests: [{ currency: 'USD', shards: 'all' }],
    });
  });

  it('moves a reservation within the items it takes available funds from, and releases it back there', () => {
    const other = (homeShard('po_1', SHARDS) + 1) % SHARDS;
    const plan = planBalanceChanges(reserve(900), emptyPosition('po_1', 'mer_1'), read(true, item(other, { available: 1_000 })), options);
    expect(plan).toEqual({
      kind: 'planned',
      changes: [{ currency: 'USD', shard: other, delta: { pending: 0, available: -900, reserved: 900 }, atLeast: { pending: 0, available: 900, reserved: 0 } }],
    });
    const reserved = reserve(900);
    const position = foldPosition('po_1', 'mer_1', [
      { transaction: reserved, sequence: 1, region: 'r', allocation: plan.kind === 'planned' ? plan.changes.map(({ currency, shard, delta }) => ({ currency, shard, delta })) : [] },
    ]);
    expect(position.held).toEqual({ [`USD#${other}`]: 900 });
    const release = buildPosting(payoutFundsReleased, { merchantId: 'mer_1', payoutId: 'po_1' }, position, now);
    expect(planBalanceChanges(release, position, new Map(), options)).toEqual({
      kind: 'planned',
      changes: [{ currency: 'USD', shard: other, delta: { pending: 0, available: 900, reserved: -900 }, atLeast: { pending: 0, available: 0, reserved: 900 } }],
    });
  });

  it('takes from one shard that holds enough, else from the fullest shards first', () => {
    const single = planBalanceChanges(reserve(900), emptyPosition('po_1', 'mer_1'), read(true, item(0, { available: 100 }), item(1, { available: 1_000 }), item(2, { available: 2_000 })), { shards: SHARDS, random: () => 0.99 });
    expect(single.kind === 'planned' && single.changes.map((change) => [change.shard, change.delta.available])).toEqual([[2, -900]]);
    const split = planBalanceChanges(reserve(900), emptyPosition('po_1', 'mer_1'), read(true, item(0, { available: 400 }), item(1, { available: 300 }), item(2, { available: 250 }), item(3)), options);
    expect(split.kind === 'planned' && split.changes.map((change) => [change.shard, change.delta.available, change.atLeast.available, change.delta.reserved])).toEqual([
      [0, -400, 400, 400],
      [1, -300, 300, 300],
      [2, -200, 200, 200],
    ]);
  });

  it('refuses with InsufficientFundsError when every shard together holds too little', () => {
    expect(() => planBalanceChanges(reserve(900), emptyPosition('po_1', 'mer_1'), read(true, item(0, { available: 400 }), item(1, { available: 300 }), item(2, { available: 199 })), options)).toThrow(
      expect.objectContaining({ name: 'InsufficientFundsError', account: 'merchant_available:mer_1:USD', needed: 900, available: 899 }),
    );
  });

  it('takes a refund from the payment\'s own pending funds first, then available on the same shard when it can', () => {
    const journal = memoryJournal({ shards: SHARDS });
    journal.post((position) => buildPosting(paymentCaptured, { merchantId: 'mer_1', paymentId: 'pay_9', channel: 'acq_1', currency: 'USD', amount: 1_000, authorizedAmount: 1_000 }, position, now, { percentBps: 0, fixed: {} }), 'pay_9');
    journal.post((position) => buildPosting(paymentCaptured, { merchantId: 'mer_1', paymentId: 'pay_8', channel: 'acq_1', currency: 'USD', amount: 5_000, authorizedAmount: 5_000 }, position, now, { percentBps: 0, fixed: {} }), 'pay_8');
    journal.post((position) => buildPosting(paymentSettled, { merchantId: 'mer_1', paymentId: 'pay_8', settlementId: 's' }, position, now), 'pay_8');
    const { changes } = journal.postWithChanges((position) => buildPosting(paymentRefunded, { merchantId: 'mer_1', paymentId: 'pay_9', refundId: 're_1', amount: 1_000, currency: 'USD' }, position, now), 'pay_9');
    expect(changes.flatMap((change) => [change.delta.pending, change.delta.available]).reduce((sum, value) => sum + value, 0)).toBe(-1_000);
    expect(changes.find((change) => change.shard === homeShard('pay_9', SHARDS))?.delta.pending).toBe(-1_000);
    expect(journal.balances()).toEqual([{ currency: 'USD', available: 5_000, pending: 0, reserved: 0 }]);
    expect(journal.verify().differences).toEqual([]);
  });

  it('sums shards per currency into available, pending and reserved', () => {
    expect(
      summarizeMerchantShards([item(0, { pending: 5 }), item(1, { pending: 7, reserved: 3 }), { ...item(0), currency: 'JPY', available: 100 }]),
    ).toEqual([
      { currency: 'JPY', available: 100, pending: 0, reserved: 0 },
      { currency: 'USD', available: 0, pending: 12, reserved: 3 },
    ]);
  });
});

describe('verifySnapshot', () => {
  const consistent = (): LedgerSnapshot => {
    const journal = memoryJournal();
    journal.post((position) => buildPosting(paymentCaptured, { merchantId: 'mer_1', paymentId: 'pay_1', channel: 'acq_1', currency: 'USD', amount: 10_000, authorizedAmount: 10_000 }, position, now, DEFAULT_PRICING), 'pay_1');
    journal.post((position) => buildPosting(paymentSettled, { merchantId: 'mer_1', paymentId: 'pay_1', settlementId: 's1' }, position, now), 'pay_1');
    journal.post((position) => buildPosting(conversion, { merchantId: 'mer_1', conversionId: 'cv_1', quoteId: 'qt_1', sellCurrency: 'USD', sellAmount: 5_000, buyCurrency: 'EUR', buyAmount: 4_500, spreadAmount: 20, rate: '0.9' }, position, now), 'cv_1');
    return journal.snapshot();
  };

  it('finds nothing wrong in a consistent ledger, and derives the platform and channel balances from the journal', () => {
    const report = verifySnapshot(consistent());
    expect(report.differences).toEqual([]);
    expect(report).toMatchObject({ transactions: 3, positions: 2, lines: 3 });
    expect(report.derivedBalances).toEqual(
      expect.arrayContaining([
        { account: 'platform_fee_revenue:platform:USD', region: 'us-east-1', balance: 320, debits: 0, credits: 320 },
        { account: 'channel_clearing:acq_1:USD', region: 'all', balance: 10_000, debits: 10_000, credits: 0 },
        { account: 'channel_receivable:acq_1:USD', region: 'all', balance: 0, debits: 10_000, credits: 10_000 },
      ]),
    );
    expect(totalsByCurrency(consistent().transactions[0]?.transaction.entries ?? []).get('USD')).toEqual({ debits: 10_000, credits: 10_000 });
  });

  it.each<[string, (snapshot: LedgerSnapshot) => LedgerSnapshot, string]>([
    ['a tampered balance', (s) => ({ ...s, balances: s.balances.map((item, i) => (i === 0 ? { ...item, available: item.available + 1 } : item)) }), 'balance_mismatch'],
    ['a lost balance update', (s) => ({ ...s, balances: s.balances.slice(1) }), 'balance_mismatch'],
    [
      'an unbalanced transaction',
      (s) => ({ ...s, transactions: s.transactions.map((p, i) => (i === 0 ? { ...p, transaction: { ...p.transaction, entries: p.transaction.entries.slice(1) } } : p)) }),
      'malformed_transaction',
    ],
    ['a transaction posted twice (by two regions)', (s) => ({ ...s, transactions: [...s.transactions, { ...s.transactions[0]!, sequence: 4, region: 'us-west-2' }] }), 'malformed_transaction'],
    ['an allocation that is not the entries\'', (s) => ({ ...s, transactions: s.transactions.map((p, i) => (i === 0 ? { ...p, allocation: [] } : p)) }), 'allocation_mismatch'],
    ['a gap in a position\'s numbers', (s) => ({ ...s, transactions: s.transactions.map((p, i) => (i === 1 ? { ...p, sequence: 3 } : p)) }), 'position_mismatch'],
    [
      'two regions numbering one transaction of a position the same (an unplanned failover)',
      (s) => ({ ...s, transactions: s.transactions.map((p, i) => (i === 1 ? { ...p, sequence: 1, region: 'us-west-2' } : p)) }),
      'position_mismatch',
    ],
    ['a position that breaks its rules', (s) => ({ ...s, transactions: s.transactions.map((p, i) => (i === 0 ? { ...p, transaction: { ...p.transaction, positionDelta: { ...p.transaction.positionDelta, refunded: 20_000 } } } : p)) }), 'position_mismatch'],
    ['a missing extra line', (s) => ({ ...s, extraLines: [] }), 'missing_line'],
    ['an extra line without its transaction', (s) => ({ ...s, extraLines: [...s.extraLines, { transactionId: 'txn_gone', line: s.extraLines[0]!.line }] }), 'orphan_line'],
    [
      'a line with another amount',
      (s) => ({ ...s, transactions: s.transactions.map((p, i) => (i === 0 && p.transaction.line ? { ...p, transaction: { ...p.transaction, line: { ...p.transaction.line, net: 1, fee: p.transaction.line.amount - 1 } } } : p)) }),
      'line_mismatch',
    ],
    ['a negative merchant shard', (s) => ({ ...s, balances: [...s.balances, { merchantId: 'mer_1', currency: 'GBP', shard: 0, pending: 0, available: -5, reserved: 0 }] }), 'negative_balance'],
  ])('reports %s', (_case, tamper, kind) => {
    expect(verifySnapshot(tamper(consistent())).differences).toEqual(expect.arrayContaining([expect.objectContaining({ kind })]));
  });
});
