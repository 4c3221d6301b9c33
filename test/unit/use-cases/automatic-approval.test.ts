import { DEFAULT_MERCHANT_ROUTING } from '../../../lambdas/domain/merchant';
import type { Payment } from '../../../lambdas/domain/payment';
import type { Approval, Transition } from '../../../lambdas/domain/payment-lifecycle';
import { PLATFORM_RISK_RULES } from '../../../lambdas/domain/risk';
import type { CardChannelDirectory } from '../../../lambdas/ports/workflows';
import { type CreatePaymentCommand, createPayment } from '../../../lambdas/use-cases/create-payment';
import { authorizePayment } from '../../../lambdas/use-cases/payment-saga/authorize-payment';
import { capturePayment } from '../../../lambdas/use-cases/payment-saga/capture-payment';
import { refundCapture } from '../../../lambdas/use-cases/payment-saga/refund-capture';
import { releaseAuthorization } from '../../../lambdas/use-cases/payment-saga/release-authorization';
import { screenPayment } from '../../../lambdas/use-cases/payment-saga/screen-payment';
import { InMemoryCardHolds, InMemoryCardVelocity, InMemoryChannelHealth, InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';
import { RecordingAcquirer } from '../../support/recording-acquirer';
import { createPaymentCommand } from '../../support/payment-commands';

/**
 * Decision record 0047: an automatic payment's approval is not written by Authorize; the run carries it (the
 * authorization id, amount, expiry: never card data) to Capture, and the step that ends the payment records
 * it in the same write as the end. What must hold: never a second authorization (a run that died after
 * Authorize leaves the hold discarded, and the recovery takes the acquirer's record under the same key),
 * never a capture without a recorded or acquirer-confirmed authorization, the compensations release or
 * refund exactly that authorization, and the timeline reads as before (`payment.authorized`, then the end).
 * PostToLedger's one write (authorization, capture, success) is run against DynamoDB Local and the ledger in
 * test/integration/sagas/.
 */
const now = () => new Date('2026-11-21T12:00:00Z');

const command = createPaymentCommand;

/** Counts the transitions written (each a conditional put of the payment). */
class CountingPayments extends InMemoryPaymentRepository {
  writes = 0;
  override async apply(transition: Transition, also?: Parameters<InMemoryPaymentRepository['apply']>[1]) {
    this.writes += 1;
    return super.apply(transition, also);
  }
}

/** `sales`: the acquirer captures a sale (decision record 0053); without, it approves and leaves the capture to Capture (0047's path). */
const prepare = async (overrides: Partial<CreatePaymentCommand> = {}, { sales = false, ledgerWritable = true } = {}) => {
  const payments = new CountingPayments();
  const holds = new InMemoryCardHolds();
  const acquirer = new RecordingAcquirer(now);
  acquirer.capturesSales = sales;
  const channels: CardChannelDirectory = { channel: () => acquirer };
  const { id } = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now }, command(overrides));
  await screenPayment(
    { payments, holds, velocity: new InMemoryCardVelocity(), health: new InMemoryChannelHealth(), merchantRouting: async () => DEFAULT_MERCHANT_ROUTING, riskRules: async () => PLATFORM_RISK_RULES, now },
    { paymentId: id },
  );
  payments.writes = 0;
  const steps = {
    authorize: () => authorizePayment({ payments, holds, channels, health: new InMemoryChannelHealth(), assertLedgerWritable: async () => {
        if (!ledgerWritable) throw Object.assign(new Error('homed elsewhere'), { name: 'NotHomeRegionError' });
      }, now }, { paymentId: id }),
    capture: (approval?: Approval) => capturePayment({ payments, channels, assertLedgerWritable: async () => undefined }, { paymentId: id, approval }),
    releaseAfter: (error: string, approval?: Approval) => releaseAuthorization({ payments, holds, channels, now }, { paymentId: id, error, approval }),
    refundCapture: (capture: { captureId: string; amount: number; approval?: Approval }, error: string) => refundCapture({ payments, channels, now }, { paymentId: id, capture, error }),
  };
  const stored = () => payments.items.get(id) as Payment;
  return { id, payments, holds, acquirer, steps, stored };
};

describe('Authorize on an automatic payment', () => {
  it('answers the approval and capture next without writing the payment; the card is gone and the answer holds no card data', async () => {
    // Prepare
    const { id, payments, holds, steps, stored } = await prepare();
    // Act
    const result = await steps.authorize();
    // Assess
    expect(result).toEqual({
      next: 'capture',
      payment: expect.objectContaining({ version: 2, status: 'processing', authorizationId: null }),
      approval: { channel: stored().channel, authorizationId: 'auth_1', amountAuthorized: 1999, expiresAt: '2026-11-28T12:00:00.000Z', at: now().toISOString() },
    });
    expect(payments.writes).toBe(0);
    expect(stored()).toMatchObject({ version: 2, authorizationId: null });
    await expect(holds.reveal(id, 'mer_a')).resolves.toBeUndefined();
    expect(JSON.stringify(result)).not.toMatch(/4242424242424242|"cvc"|"number"/);
  });

  it('a run that died after it: the recovery takes the acquirer\'s record under the same key (one authorization) and captures that authorization', async () => {
    // Prepare: the first run's Authorize answered, then the run died (nothing written, the hold discarded)
    const { id, acquirer, steps } = await prepare();
    const first = await steps.authorize();
    // Act: the recovery's run
    const again = await steps.authorize();
    const capture = await steps.capture(again.approval);
    // Assess
    expect(acquirer.authorizeCalls).toHaveLength(1);
    expect(again).toMatchObject({ next: 'capture', approval: { authorizationId: 'auth_1', amountAuthorized: 1999 } });
    expect(again.approval?.authorizationId).toBe(first.approval?.authorizationId);
    expect(acquirer.captures).toEqual([{ idempotencyKey: `${id}:capture`, authorizationId: 'auth_1', amount: 1999, currency: 'USD', finalCapture: true }]);
    expect(capture).toEqual({ captureId: 'cap_1', amount: 1999, approval: again.approval });
  });

  it('a manual payment still records its authorization (it waits in requires_capture)', async () => {
    // Prepare
    const { payments, steps, stored } = await prepare({ captureMethod: 'manual' });
    // Act
    const result = await steps.authorize();
    // Assess
    expect(result).toMatchObject({ next: 'open_capture_window', payment: { version: 3, authorizationId: 'auth_1' } });
    expect(result).not.toHaveProperty('approval');
    expect(payments.writes).toBe(1);
    expect(stored().timeline.at(-1)).toMatchObject({ type: 'payment.authorized', version: 3 });
  });
});

/**
 * Decision record 0053: an automatic payment is a sale, authorized and captured by one request under the
 * authorization's key, when its capture could be booked here; PostToLedger records it as before.
 */
describe('the sale', () => {
  it('authorizes and captures in one request; the answer carries the capture and the approval, and nothing is written', async () => {
    // Prepare
    const { id, payments, acquirer, steps, stored } = await prepare({}, { sales: true });
    // Act
    const result = await steps.authorize();
    // Assess
    expect(acquirer.authorizeCalls).toEqual([expect.objectContaining({ idempotencyKey: `${id}:authorize:${stored().channel}`, captureMethod: 'automatic', capture: true })]);
    expect(acquirer.captures).toEqual([]);
    expect(result).toEqual({
      next: 'capture',
      payment: expect.objectContaining({ version: 2, status: 'processing', authorizationId: null }),
      approval: expect.objectContaining({ authorizationId: 'auth_1', amountAuthorized: 1999 }),
      capture: { captureId: 'cap_sale_1', amount: 1999, approval: result.approval },
    });
    expect(payments.writes).toBe(0);
    expect(stored()).toMatchObject({ version: 2, authorizationId: null });
  });

  it("is not asked where the capture could not be booked (the merchant's ledger not writable here): authorized alone, as before", async () => {
    // Prepare
    const { acquirer, steps } = await prepare({}, { sales: true, ledgerWritable: false });
    // Act
    const result = await steps.authorize();
    // Assess
    expect(acquirer.authorizeCalls[0]).not.toHaveProperty('capture');
    expect(result).toMatchObject({ next: 'capture', approval: { authorizationId: 'auth_1' } });
    expect(result).not.toHaveProperty('capture');
  });

  it('is not asked for a manual payment', async () => {
    // Prepare
    const { acquirer, steps } = await prepare({ captureMethod: 'manual' }, { sales: true });
    // Act
    await steps.authorize();
    // Assess
    expect(acquirer.authorizeCalls[0]).not.toHaveProperty('capture');
  });

  it('an approval the acquirer left uncaptured goes on to Capture', async () => {
    // Prepare: the acquirer approves the sale's authorization but does not capture it
    const { acquirer, steps } = await prepare({}, { sales: false });
    // Act
    const result = await steps.authorize();
    const capture = await steps.capture(result.approval);
    // Assess
    expect(acquirer.authorizeCalls[0]).toMatchObject({ capture: true });
    expect(result).not.toHaveProperty('capture');
    expect(capture).toEqual({ captureId: 'cap_1', amount: 1999, approval: result.approval });
  });

  it("a run that died after the sale: the recovery's Authorize takes the acquirer's record (captured) under the same key and sends nothing", async () => {
    // Prepare: the first run's sale was answered, then the run died (nothing written, the hold discarded)
    const { acquirer, steps } = await prepare({}, { sales: true });
    const first = await steps.authorize();
    // Act
    const again = await steps.authorize();
    // Assess
    expect(acquirer.authorizeCalls).toHaveLength(1);
    expect(again.capture).toEqual({ ...first.capture, approval: again.approval });
    expect(again.capture?.captureId).toBe('cap_sale_1');
    expect(acquirer.captures).toEqual([]);
  });

  it('ReleaseAfterFailure without the approval finds the sale captured: voids nothing, hands the payment to its recovery', async () => {
    // Prepare: the sale was made, its answer lost (the run's Authorize failed), so the release asks the acquirer
    const { id, acquirer, holds, steps, stored } = await prepare({}, { sales: true });
    await acquirer.authorize({ idempotencyKey: `${id}:authorize:${stored().channel}`, amount: 1999, currency: 'USD', card: { number: '4242424242424242', expMonth: 12, expYear: 2030 }, merchantReference: 'mer_a', paymentReference: id, captureMethod: 'automatic', capture: true });
    // Act / Assess
    await expect(steps.releaseAfter('ChannelTimeout')).rejects.toThrow(/captured at its channel by a run that did not record it/);
    expect(acquirer.voids).toEqual([]);
    await expect(holds.reveal(id, stored().merchantId)).resolves.toBeDefined();
  });
});

describe('Capture', () => {
  it('captures nothing without a recorded or approved authorization, with an approval at another channel, or for a payment that ended meanwhile', async () => {
    // Prepare
    const { payments, acquirer, steps, stored } = await prepare();
    const { approval } = await steps.authorize();
    // Act / Assess
    await expect(steps.capture()).rejects.toThrow(/no authorization to capture/);
    await expect(steps.capture({ ...approval!, channel: 'elsewhere' })).rejects.toThrow(/not its authorization/);
    payments.items.set(stored().id, { ...stored(), status: 'failed', inFlightSince: null, version: 3 });
    await expect(steps.capture(approval)).rejects.toThrow(/ended failed before its capture/);
    expect(acquirer.captures).toEqual([]);
  });
});

describe('the compensations end the payment with the approval recorded, in one write', () => {
  it('ReleaseAfterFailure (a refused capture, NotHomeRegionError) voids the approval from the run\'s state, asking the acquirer nothing', async () => {
    // Prepare
    const { id, payments, acquirer, steps, stored } = await prepare();
    const { approval } = await steps.authorize();
    const lookups = acquirer.lookups;
    // Act
    const result = await steps.releaseAfter('NotHomeRegionError', approval);
    // Assess
    expect(acquirer.voids).toEqual([{ idempotencyKey: `${id}:void`, authorizationId: 'auth_1' }]);
    expect(acquirer.lookups).toBe(lookups);
    expect(payments.writes).toBe(1);
    expect(result).toMatchObject({ next: 'done', payment: { status: 'failed', version: 4, authorizationId: 'auth_1', amountAuthorized: 1999, amountCapturable: 0 } });
    expect(stored().timeline.slice(-2)).toEqual([
      { type: 'payment.authorized', version: 3, at: approval!.at },
      { type: 'payment.failed', version: 4, at: now().toISOString(), code: 'processing_error' },
    ]);
  });

  it('RefundCapture gives back the capture of the approval and fails the payment', async () => {
    // Prepare
    const { id, payments, acquirer, steps, stored } = await prepare();
    const { approval } = await steps.authorize();
    const capture = await steps.capture(approval);
    // Act
    const result = await steps.refundCapture(capture, 'PostingConflictError');
    // Assess
    expect(acquirer.refunds).toEqual([{ idempotencyKey: `${id}:compensation-refund`, authorizationId: 'auth_1', amount: 1999, currency: 'USD', reason: 'compensation' }]);
    expect(payments.writes).toBe(1);
    expect(result).toMatchObject({ next: 'done', payment: { status: 'failed', version: 4, authorizationId: 'auth_1', amountReceived: 0 } });
    expect(stored().timeline.slice(-2).map((entry) => entry.type)).toEqual(['payment.authorized', 'payment.failed']);
  });

  it('ReleaseAfterFailure without the approval (a recovery whose Authorize failed) voids nothing the acquirer captured: the recovery posts it', async () => {
    // Prepare: a run captured and died before PostToLedger; the recovery's Authorize then failed on the channel
    const { payments, acquirer, steps, stored } = await prepare();
    const { approval } = await steps.authorize();
    await steps.capture(approval);
    // Act / Assess
    await expect(steps.releaseAfter('ChannelTimeout')).rejects.toMatchObject({ name: 'CapturedUnrecorded' });
    expect(acquirer.voids).toEqual([]);
    expect(payments.writes).toBe(0);
    expect(stored()).toMatchObject({ status: 'processing', version: 2 });
  });

  it('ReleaseAfterFailure without the approval voids an authorization it finds uncaptured, and records only the failure (as before)', async () => {
    // Prepare: Authorize approved, then the run failed before capturing
    const { acquirer, steps, stored } = await prepare();
    await steps.authorize();
    // Act
    await steps.releaseAfter('ChannelTimeout');
    // Assess
    expect(acquirer.voids).toMatchObject([{ authorizationId: 'auth_1' }]);
    expect(stored()).toMatchObject({ status: 'failed', version: 3, authorizationId: null });
  });
});
