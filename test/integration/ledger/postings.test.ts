import { DEFAULT_PRICING } from '../../../lambdas/domain/ledger/fees';
import { getBalance } from '../../../lambdas/use-cases/ledger/get-balance';
import { listBalanceTransactions } from '../../../lambdas/use-cases/ledger/list-balance-transactions';
import { reversePosting, postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { paymentCaptured, paymentRefunded, paymentSettled, payoutFundsReleased, payoutFundsReserved, payoutPaid } from '../../../lambdas/domain/ledger/postings';
import { setHomeRegion } from '../../../lambdas/use-cases/ledger/set-home-region';
import { deployment } from '../../../platform/deployment';
import { type LedgerHarness, createLedgerHarness } from '../../support/ledger';
import { suiteDynamoDbEndpoint } from '../../support/dynamodb';

/** The posting use cases against DynamoDB Local through the real adapter. */

let ledger: LedgerHarness;

beforeAll(async () => {
  ledger = await createLedgerHarness(suiteDynamoDbEndpoint());
});
afterAll(() => ledger.close());

const balanceOf = async (merchantId: string, currency: string) =>
  (await getBalance({ ledger: ledger.store }, { merchantId })).find((balance) => balance.currency === currency) ?? {
    currency,
    available: 0,
    pending: 0,
    reserved: 0,
  };

const capture = (merchantId: string, paymentId: string, amount: number, currency = 'USD') =>
  postLedgerEvent(ledger.deps, paymentCaptured, { merchantId, paymentId, channel: 'acq_sim', currency, amount, authorizedAmount: amount });

describe('a payment through its life', () => {
  it('captures with the fee as its own entry, settles, refunds without returning the fee, and verifies', async () => {
    const captured = await capture('mer_life', 'pay_life1', 10_000);
    // 2.9 % of 100.00 = 2.90, + 0.30 fixed = 3.20
    expect(captured.replayed).toBe(false);
    expect(captured.transaction.entries).toEqual([
      { account: 'channel_receivable:acq_sim:USD', side: 'debit', amount: 10_000, currency: 'USD' },
      { account: 'platform_fee_revenue:platform:USD', side: 'credit', amount: 320, currency: 'USD' },
      { account: 'merchant_pending:mer_life:USD', side: 'credit', amount: 9_680, currency: 'USD' },
    ]);
    expect(await balanceOf('mer_life', 'USD')).toEqual({ currency: 'USD', available: 0, pending: 9_680, reserved: 0 });

    await postLedgerEvent(ledger.deps, paymentSettled, { merchantId: 'mer_life', paymentId: 'pay_life1', settlementId: 'stl_1' });
    expect(await balanceOf('mer_life', 'USD')).toEqual({ currency: 'USD', available: 9_680, pending: 0, reserved: 0 });

    const refund = await postLedgerEvent(ledger.deps, paymentRefunded, { merchantId: 'mer_life', paymentId: 'pay_life1', refundId: 're_life1', amount: 4_000, currency: 'USD' });
    expect(refund.transaction.entries).toEqual([
      { account: 'merchant_available:mer_life:USD', side: 'debit', amount: 4_000, currency: 'USD' },
      { account: 'channel_clearing:acq_sim:USD', side: 'credit', amount: 4_000, currency: 'USD' },
    ]);
    expect(await balanceOf('mer_life', 'USD')).toEqual({ currency: 'USD', available: 5_680, pending: 0, reserved: 0 });

    const lines = await listBalanceTransactions({ ledger: ledger.store }, { merchantId: 'mer_life', limit: 10 });
    expect(lines.lines.map((line) => [line.type, line.source, line.amount, line.fee, line.net, line.status])).toEqual([
      ['refund', 're_life1', -4_000, 0, -4_000, 'available'],
      ['payment', 'pay_life1', 10_000, 320, 9_680, 'available'],
    ]);
    expect((await ledger.verify()).differences).toEqual([]);
  });

  it('replays a retried posting: same transaction, nothing written twice', async () => {
    const first = await capture('mer_replay', 'pay_replay1', 5_000, 'JPY');
    const again = await capture('mer_replay', 'pay_replay1', 5_000, 'JPY');
    expect(again.replayed).toBe(true);
    expect(again.transaction).toEqual(first.transaction);
    expect((await balanceOf('mer_replay', 'JPY')).pending).toBe(first.transaction.line?.net);
  });

  it('refuses the same event id with different content (PostingConflictError)', async () => {
    await capture('mer_conflict', 'pay_conflict1', 5_000);
    await expect(capture('mer_conflict', 'pay_conflict1', 6_000)).rejects.toMatchObject({ name: 'PostingConflictError' });
  });

  it('nets a refund of an unsettled payment against the channel and the payment\'s own pending funds', async () => {
    await capture('mer_early', 'pay_early1', 10_000);
    const refund = await postLedgerEvent(ledger.deps, paymentRefunded, { merchantId: 'mer_early', paymentId: 'pay_early1', refundId: 're_early1', amount: 2_500, currency: 'USD' });
    expect(refund.transaction.entries).toEqual([
      { account: 'merchant_pending:mer_early:USD', side: 'debit', amount: 2_500, currency: 'USD' },
      { account: 'channel_receivable:acq_sim:USD', side: 'credit', amount: 2_500, currency: 'USD' },
    ]);
    const settlement = await postLedgerEvent(ledger.deps, paymentSettled, { merchantId: 'mer_early', paymentId: 'pay_early1', settlementId: 'stl_1' });
    expect(settlement.transaction.entries).toEqual(
      expect.arrayContaining([
        { account: 'channel_clearing:acq_sim:USD', side: 'debit', amount: 7_500, currency: 'USD' },
        { account: 'merchant_available:mer_early:USD', side: 'credit', amount: 7_180, currency: 'USD' },
      ]),
    );
    expect(await balanceOf('mer_early', 'USD')).toEqual({ currency: 'USD', available: 7_180, pending: 0, reserved: 0 });
  });

  it('refuses to refund more than was captured, and a refund that available funds cannot cover', async () => {
    await capture('mer_over', 'pay_over1', 1_000);
    await expect(
      postLedgerEvent(ledger.deps, paymentRefunded, { merchantId: 'mer_over', paymentId: 'pay_over1', refundId: 're_over1', amount: 1_001, currency: 'USD' }),
    ).rejects.toMatchObject({ name: 'PostingRejectedError', reason: 'refund_exceeds_captured' });
    // Full refund before settlement: 941 from the payment's pending funds, the unreturned fee (59) from available, which is empty.
    await expect(
      postLedgerEvent(ledger.deps, paymentRefunded, { merchantId: 'mer_over', paymentId: 'pay_over1', refundId: 're_over2', amount: 1_000, currency: 'USD' }),
    ).rejects.toMatchObject({ name: 'InsufficientFundsError', account: 'merchant_available:mer_over:USD', needed: 59, available: 0 });
    expect((await ledger.verify()).differences).toEqual([]);
  });

  it('reverses a capture as compensation, and refuses to reverse a settled one', async () => {
    const captured = await capture('mer_rev', 'pay_rev1', 2_000);
    const reversed = await reversePosting(ledger.deps, { transactionId: captured.transaction.id });
    expect(reversed.transaction.entries).toEqual(
      captured.transaction.entries.map((entry) => ({ ...entry, side: entry.side === 'debit' ? 'credit' : 'debit' })),
    );
    expect(await balanceOf('mer_rev', 'USD')).toEqual({ currency: 'USD', available: 0, pending: 0, reserved: 0 });
    expect((await reversePosting(ledger.deps, { transactionId: captured.transaction.id })).replayed).toBe(true);

    const recaptured = await postLedgerEvent(ledger.deps, paymentCaptured, {
      merchantId: 'mer_rev',
      paymentId: 'pay_rev1',
      channel: 'acq_sim',
      currency: 'USD',
      amount: 2_000,
      authorizedAmount: 2_000,
      sequence: 2,
    });
    await postLedgerEvent(ledger.deps, paymentSettled, { merchantId: 'mer_rev', paymentId: 'pay_rev1', settlementId: 'stl_1' });
    await expect(reversePosting(ledger.deps, { transactionId: recaptured.transaction.id })).rejects.toMatchObject({
      name: 'PostingRejectedError',
      reason: 'reversal_not_allowed',
    });
    await expect(reversePosting(ledger.deps, { transactionId: 'txn_doesnotexist' })).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    expect((await ledger.verify()).differences).toEqual([]);
  });
});

describe('payout funds', () => {
  it('reserves, releases and pays out, never below zero', async () => {
    await capture('mer_po', 'pay_po1', 10_000);
    await postLedgerEvent(ledger.deps, paymentSettled, { merchantId: 'mer_po', paymentId: 'pay_po1', settlementId: 'stl_1' });
    await postLedgerEvent(ledger.deps, payoutFundsReserved, { merchantId: 'mer_po', payoutId: 'po_1', amount: 5_000, currency: 'USD' });
    expect(await balanceOf('mer_po', 'USD')).toEqual({ currency: 'USD', available: 4_680, pending: 0, reserved: 5_000 });
    await expect(postLedgerEvent(ledger.deps, payoutFundsReserved, { merchantId: 'mer_po', payoutId: 'po_2', amount: 5_000, currency: 'USD' })).rejects.toMatchObject({
      name: 'InsufficientFundsError',
    });
    await postLedgerEvent(ledger.deps, payoutFundsReleased, { merchantId: 'mer_po', payoutId: 'po_1' });
    expect(await balanceOf('mer_po', 'USD')).toEqual({ currency: 'USD', available: 9_680, pending: 0, reserved: 0 });
    await postLedgerEvent(ledger.deps, payoutFundsReserved, { merchantId: 'mer_po', payoutId: 'po_3', amount: 9_680, currency: 'USD' });
    await postLedgerEvent(ledger.deps, payoutPaid, { merchantId: 'mer_po', payoutId: 'po_3', channel: 'bank_sim' });
    expect(await balanceOf('mer_po', 'USD')).toEqual({ currency: 'USD', available: 0, pending: 0, reserved: 0 });
    await expect(postLedgerEvent(ledger.deps, payoutFundsReleased, { merchantId: 'mer_po', payoutId: 'po_3' })).rejects.toMatchObject({ reason: 'payout_not_reserved' });
    expect((await ledger.verify()).differences).toEqual([]);
  });
});

describe('pricing and home region', () => {
  it('charges a merchant its own pricing', async () => {
    await ledger.pricing.putPricing('mer_priced', { percentBps: 150, fixed: { EUR: 10 } });
    const captured = await postLedgerEvent(ledger.deps, paymentCaptured, {
      merchantId: 'mer_priced',
      paymentId: 'pay_priced1',
      channel: 'acq_sim',
      currency: 'EUR',
      amount: 10_000,
      authorizedAmount: 10_000,
    });
    expect(captured.transaction.line).toMatchObject({ fee: 160, net: 9_840 });
    expect(DEFAULT_PRICING.percentBps).not.toBe(150);
  });

  it('refuses postings outside the merchant\'s home region and while it is fenced', async () => {
    const secondary = { ...ledger.deps, region: deployment.secondaryRegion };
    await expect(capture('mer_home', 'pay_home1', 1_000)).resolves.toMatchObject({ replayed: false });
    await expect(
      postLedgerEvent(secondary, paymentCaptured, { merchantId: 'mer_home', paymentId: 'pay_home2', channel: 'acq_sim', currency: 'USD', amount: 1_000, authorizedAmount: 1_000 }),
    ).rejects.toMatchObject({ name: 'NotHomeRegionError', homeRegion: deployment.primaryRegion });

    const deps = { ledger: ledger.store, primaryRegion: deployment.primaryRegion, now: () => new Date() };
    expect(await setHomeRegion(deps, { merchantId: 'mer_home', fenced: true })).toMatchObject({ epoch: 1, fenced: true });
    await expect(capture('mer_home', 'pay_home3', 1_000)).rejects.toMatchObject({ name: 'NotHomeRegionError' });
    expect(await setHomeRegion(deps, { merchantId: 'mer_home', region: deployment.secondaryRegion, fenced: false })).toMatchObject({ epoch: 2 });
    await expect(
      postLedgerEvent(secondary, paymentCaptured, { merchantId: 'mer_home', paymentId: 'pay_home2', channel: 'acq_sim', currency: 'USD', amount: 1_000, authorizedAmount: 1_000 }),
    ).resolves.toMatchObject({ replayed: false });
    await expect(capture('mer_home', 'pay_home4', 1_000)).rejects.toMatchObject({ name: 'NotHomeRegionError', homeRegion: deployment.secondaryRegion });
    // A replay is a read: it answers in any region.
    await expect(capture('mer_home', 'pay_home1', 1_000)).resolves.toMatchObject({ replayed: true });
  });

  it('replays in the new home a capture the old home posted: the pending funds are credited once (decision 0055, cut 3 withdrawn)', async () => {
    // The run that posted in the primary region died before recording success; the merchant moved; its recovery
    // posts the same first capture in the secondary region. Journal keys end with the writing region, so only
    // reading the position finds the primary's transaction.
    const secondary = { ...ledger.deps, region: deployment.secondaryRegion };
    const first = await capture('mer_moved', 'pay_moved1', 2_500);
    const deps = { ledger: ledger.store, primaryRegion: deployment.primaryRegion, now: () => new Date() };
    await setHomeRegion(deps, { merchantId: 'mer_moved', region: deployment.secondaryRegion, fenced: false });
    const again = await postLedgerEvent(secondary, paymentCaptured, {
      merchantId: 'mer_moved',
      paymentId: 'pay_moved1',
      channel: 'acq_sim',
      currency: 'USD',
      amount: 2_500,
      authorizedAmount: 2_500,
    });
    expect(again).toMatchObject({ replayed: true, transaction: { id: first.transaction.id } });
    expect((await balanceOf('mer_moved', 'USD')).pending).toBe(first.transaction.line?.net);
    expect((await ledger.verify()).differences).toEqual([]);
  });

  it('moves every copy of the home marker together, and a move on a stale epoch moves none', async () => {
    const deps = { ledger: ledger.store, primaryRegion: deployment.primaryRegion, now: () => new Date() };
    expect(await setHomeRegion(deps, { merchantId: 'mer_copies', region: deployment.secondaryRegion, fenced: false })).toMatchObject({ epoch: 1 });
    expect(await ledger.store.putHomeRegion({ merchantId: 'mer_copies', region: deployment.primaryRegion, fenced: true, epoch: 2, updatedAt: new Date().toISOString() }, 5)).toBe(false);
    // Each read picks a copy at random: 64 reads see all 8 (but for odds of 8 × (7/8)^64, about 1 in 9,000), and all agree.
    const seen = await Promise.all(Array.from({ length: 64 }, () => ledger.store.getHomeRegion('mer_copies')));
    expect(new Set(seen.map((marker) => `${marker?.region} ${marker?.epoch} ${marker?.fenced}`))).toEqual(new Set([`${deployment.secondaryRegion} 1 false`]));
  });
});
