import { InsufficientFundsError } from '../../../lambdas/domain/ledger/errors';
import { getBalance } from '../../../lambdas/use-cases/ledger/get-balance';
import { postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { paymentCaptured, paymentRefunded, paymentSettled, payoutFundsReleased, payoutFundsReserved } from '../../../lambdas/domain/ledger/postings';
import { DomainError } from '../../../lambdas/domain/errors';
import { type TransactionConflictProxy, startTransactionConflictProxy } from '../../../local/faults/dynamodb-transaction-conflicts';
import { suiteDynamoDbEndpoint } from '../../support/dynamodb';
import { type LedgerHarness, createLedgerHarness } from '../../support/ledger';

/**
 * Many postings at once to one merchant, through a proxy that gives DynamoDB Local DynamoDB's
 * transaction isolation (concurrent transactions on one item are cancelled with TransactionConflict):
 * no update may be lost, and no non-negative balance may go below zero however the races fall.
 */

let proxy: TransactionConflictProxy;
let ledger: LedgerHarness;

beforeAll(async () => {
  proxy = await startTransactionConflictProxy(suiteDynamoDbEndpoint());
  ledger = await createLedgerHarness(proxy.endpoint, { retry: { maxAttempts: 40, baseDelayMs: 5, maxDelayMs: 200 } });
});
afterAll(async () => {
  ledger.close();
  await proxy.stop();
});

const funds = async (merchantId: string) => (await getBalance({ ledger: ledger.store }, { merchantId })).find((balance) => balance.currency === 'USD');

it('loses no update when 60 captures for one merchant race', async () => {
  const amounts = Array.from({ length: 60 }, (_, index) => 1_000 + index * 37);
  const results = await Promise.all(
    amounts.map((amount, index) =>
      postLedgerEvent(ledger.deps, paymentCaptured, { merchantId: 'mer_hot', paymentId: `pay_hot${index}`, channel: 'acq_sim', currency: 'USD', amount, authorizedAmount: amount }),
    ),
  );
  const expectedPending = results.reduce((sum, result) => sum + (result.transaction.line?.net ?? 0), 0);
  expect(await funds('mer_hot')).toEqual({ currency: 'USD', available: 0, pending: expectedPending, reserved: 0 });
  // The races were real: DynamoDB-style conflicts happened and were retried through.
  expect(proxy.counts.conflicts).toBeGreaterThan(0);
  expect(results.some((result) => result.attempts > 1)).toBe(true);
  expect((await ledger.verify()).differences).toEqual([]);
}, 60_000);

it('never overdraws available when more payouts race for it than it holds', async () => {
  for (let index = 0; index < 5; index += 1) {
    await postLedgerEvent(ledger.deps, paymentCaptured, { merchantId: 'mer_payouts', paymentId: `pay_po${index}`, channel: 'acq_sim', currency: 'USD', amount: 10_000, authorizedAmount: 10_000 });
    await postLedgerEvent(ledger.deps, paymentSettled, { merchantId: 'mer_payouts', paymentId: `pay_po${index}`, settlementId: 'stl_1' });
  }
  const available = (await funds('mer_payouts'))?.available ?? 0;
  expect(available).toBe(5 * 9_680);

  // 30 payouts of 2,500 want 75,000 of the 48,400 available: 19 fit.
  const outcomes = await Promise.allSettled(
    Array.from({ length: 30 }, (_, index) => postLedgerEvent(ledger.deps, payoutFundsReserved, { merchantId: 'mer_payouts', payoutId: `po_race${index}`, amount: 2_500, currency: 'USD' })),
  );
  const reserved = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
  const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
  expect(refused.every((outcome) => (outcome as PromiseRejectedResult).reason instanceof InsufficientFundsError)).toBe(true);
  expect(reserved).toBe(Math.floor(available / 2_500));
  expect(await funds('mer_payouts')).toEqual({ currency: 'USD', available: available - reserved * 2_500, pending: 0, reserved: reserved * 2_500 });
  expect((await ledger.verify()).differences).toEqual([]);
}, 60_000);

it('answers a duplicate raced against its original as a replay, even when the original used the last funds', async () => {
  await postLedgerEvent(ledger.deps, paymentCaptured, { merchantId: 'mer_dup', paymentId: 'pay_dup1', channel: 'acq_sim', currency: 'USD', amount: 10_000, authorizedAmount: 10_000 });
  await postLedgerEvent(ledger.deps, paymentSettled, { merchantId: 'mer_dup', paymentId: 'pay_dup1', settlementId: 'stl_1' });
  for (let round = 0; round < 5; round += 1) {
    const payout = { merchantId: 'mer_dup', payoutId: `po_dup${round}`, amount: 9_680, currency: 'USD' };
    const results = await Promise.all(Array.from({ length: 6 }, () => postLedgerEvent(ledger.deps, payoutFundsReserved, payout)));
    expect(new Set(results.map((result) => result.transaction.id)).size).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(await funds('mer_dup')).toEqual({ currency: 'USD', available: 0, pending: 0, reserved: 9_680 });
    await postLedgerEvent(ledger.deps, payoutFundsReleased, { merchantId: 'mer_dup', payoutId: payout.payoutId });
  }
  expect((await ledger.verify()).differences).toEqual([]);
}, 60_000);

it('plans a refund again when its payment settles between reading the position and committing', async () => {
  await postLedgerEvent(ledger.deps, paymentCaptured, { merchantId: 'mer_skew', paymentId: 'pay_skew', channel: 'acq_sim', currency: 'USD', amount: 10_000, authorizedAmount: 10_000 });
  // The settlement commits exactly in the window: after the refund read its position, before it commits.
  let settled = false;
  const store = ledger.store;
  const skewed = Object.create(store) as typeof store;
  skewed.commit = async (posting) => {
    if (!settled) {
      settled = true;
      await postLedgerEvent(ledger.deps, paymentSettled, { merchantId: 'mer_skew', paymentId: 'pay_skew', settlementId: 'stl_skew' });
    }
    return store.commit(posting);
  };
  const refund = await postLedgerEvent({ ...ledger.deps, ledger: skewed }, paymentRefunded, { merchantId: 'mer_skew', paymentId: 'pay_skew', refundId: 're_skew', amount: 2_500, currency: 'USD' });
  expect(settled).toBe(true);
  // Planned against pending first; the settlement took the position's next number, so it was planned again.
  expect(refund).toMatchObject({ replayed: false, attempts: 2 });
  expect(refund.transaction.entries).toContainEqual({ account: 'merchant_available:mer_skew:USD', side: 'debit', amount: 2_500, currency: 'USD' });
  expect((await funds('mer_skew'))?.pending).toBe(0);
  expect((await ledger.verify()).differences).toEqual([]);
});

it('plans again when available funds are taken between the read and the commit', async () => {
  await postLedgerEvent(ledger.deps, paymentCaptured, { merchantId: 'mer_race', paymentId: 'pay_race', channel: 'acq_sim', currency: 'USD', amount: 10_000, authorizedAmount: 10_000 });
  await postLedgerEvent(ledger.deps, paymentSettled, { merchantId: 'mer_race', paymentId: 'pay_race', settlementId: 'stl_1' });
  // After the payout read 9,680 available, another payout reserves 5,000 of it: the first is planned again.
  let raced = false;
  const store = ledger.store;
  const skewed = Object.create(store) as typeof store;
  skewed.readBalances = async (...args) => {
    const read = await store.readBalances(...args);
    if (!raced) {
      raced = true;
      await postLedgerEvent(ledger.deps, payoutFundsReserved, { merchantId: 'mer_race', payoutId: 'po_race_a', amount: 5_000, currency: 'USD' });
    }
    return read;
  };
  await expect(postLedgerEvent({ ...ledger.deps, ledger: skewed }, payoutFundsReserved, { merchantId: 'mer_race', payoutId: 'po_race_b', amount: 5_000, currency: 'USD' })).rejects.toMatchObject({
    name: 'InsufficientFundsError',
    needed: 5_000,
    available: 4_680,
  });
  const second = await postLedgerEvent({ ...ledger.deps, ledger: skewed }, payoutFundsReserved, { merchantId: 'mer_race', payoutId: 'po_race_c', amount: 4_680, currency: 'USD' });
  expect(second.replayed).toBe(false);
  expect(await funds('mer_race')).toEqual({ currency: 'USD', available: 0, pending: 0, reserved: 9_680 });
  expect((await ledger.verify()).differences).toEqual([]);
});

it('still refuses a refund the position does not allow when nothing changed meanwhile', async () => {
  await postLedgerEvent(ledger.deps, paymentCaptured, { merchantId: 'mer_norefund', paymentId: 'pay_norefund', channel: 'acq_sim', currency: 'USD', amount: 1_000, authorizedAmount: 1_000 });
  await expect(
    postLedgerEvent(ledger.deps, paymentRefunded, { merchantId: 'mer_norefund', paymentId: 'pay_norefund', refundId: 're_norefund', amount: 1_001, currency: 'USD' }),
  ).rejects.toBeInstanceOf(DomainError);
});
