import { DEFAULT_MERCHANT_ROUTING } from '../../../lambdas/domain/merchant';
import type { Payment } from '../../../lambdas/domain/payment';
import { afterApproval, recordSuccess } from '../../../lambdas/domain/payment-lifecycle';
import { PLATFORM_RISK_RULES } from '../../../lambdas/domain/risk';
import type { ChannelRefund, RefundCommand } from '../../../lambdas/ports/card-channel';
import type { CardChannelDirectory } from '../../../lambdas/ports/workflows';
import { createPayment } from '../../../lambdas/use-cases/create-payment';
import { createRefund } from '../../../lambdas/use-cases/create-refund';
import { authorizePayment } from '../../../lambdas/use-cases/payment-saga/authorize-payment';
import { screenPayment } from '../../../lambdas/use-cases/payment-saga/screen-payment';
import { refundAtChannel } from '../../../lambdas/use-cases/refund-saga/refund-at-channel';
import { InMemoryCardHolds, InMemoryCardVelocity, InMemoryChannelHealth, InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';
import { createPaymentCommand } from '../../support/payment-commands';
import { RecordingAcquirer } from '../../support/recording-acquirer';

/**
 * RefundAtChannel (refund workflow) decides the refund's end from the refund and payment it read before
 * asking the channel: one read of each (decision record 0055). The write is conditioned on both versions,
 * so a change made meanwhile (another refund of the same payment) is read and decided again, never
 * written over.
 */
const now = () => new Date('2026-11-21T12:00:00Z');

class CountingReads extends InMemoryPaymentRepository {
  paymentReads = 0;
  refundReads = 0;
  override async get(id: string) {
    this.paymentReads += 1;
    return super.get(id);
  }
  override async getRefund(id: string) {
    this.refundReads += 1;
    return super.getRefund(id);
  }
}

/** A succeeded payment of 1999 with a pending refund of `amount`, and a channel that runs `during` while it refunds. */
const prepare = async (amount: number) => {
  const payments = new CountingReads();
  const holds = new InMemoryCardHolds();
  const acquirer = new RecordingAcquirer(now);
  acquirer.capturesSales = true;
  let during: (() => Promise<void>) | undefined;
  const refunds: RefundCommand[] = [];
  const channel = Object.assign(Object.create(acquirer) as RecordingAcquirer, {
    refund: async (command: RefundCommand): Promise<ChannelRefund> => {
      refunds.push(command);
      await during?.();
      return { refundId: `chre_${refunds.length}` } as ChannelRefund;
    },
  });
  const channels: CardChannelDirectory = { channel: () => channel };
  const workflows = new RecordingWorkflows();
  const { id } = await createPayment({ payments, holds, workflows, now }, createPaymentCommand());
  await screenPayment(
    { payments, holds, velocity: new InMemoryCardVelocity(), health: new InMemoryChannelHealth(), merchantRouting: async () => DEFAULT_MERCHANT_ROUTING, riskRules: async () => PLATFORM_RISK_RULES, now },
    { paymentId: id },
  );
  const sold = await authorizePayment({ payments, holds, channels, health: new InMemoryChannelHealth(), assertLedgerWritable: async () => undefined, now }, { paymentId: id });
  const capture = sold.capture!;
  const stored = payments.items.get(id) as Payment;
  await payments.apply(afterApproval(stored, capture.approval, (authorized) => recordSuccess(authorized, { captureId: capture.captureId, amount: capture.amount }, now())));
  const refundOf = (key: string, value: number) =>
    createRefund({ payments, workflows, now }, { merchantId: stored.merchantId, idempotencyKey: key, requestFingerprint: key, paymentId: id, amount: value, reason: null });
  const refund = await refundOf('refund-1', amount);
  payments.paymentReads = 0;
  payments.refundReads = 0;
  return { id, payments, channels, refunds, refundOf, refundId: refund.id, setDuring: (run: () => Promise<void>) => (during = run) };
};

describe('RefundAtChannel', () => {
  it('reads the refund and its payment once each, refunds once and records the success in one write', async () => {
    // Prepare
    const { id, payments, channels, refunds, refundId } = await prepare(500);
    // Act
    const result = await refundAtChannel({ payments, channels, now }, { refundId });
    // Assess
    expect(result).toMatchObject({ refund: expect.objectContaining({ id: refundId, status: 'succeeded' }) });
    expect(refunds).toEqual([expect.objectContaining({ idempotencyKey: `${refundId}:refund`, amount: 500 })]);
    expect({ paymentReads: payments.paymentReads, refundReads: payments.refundReads }).toEqual({ paymentReads: 1, refundReads: 1 });
    expect(payments.items.get(id)).toMatchObject({ amountRefunded: 500 });
    expect(payments.refunds.get(refundId)).toMatchObject({ status: 'succeeded', channelRefundId: 'chre_1' });
  });

  it('decides again from fresh reads when another refund changed the payment while the channel refunded', async () => {
    // Prepare
    const { id, payments, channels, refunds, refundId, refundOf, setDuring } = await prepare(500);
    setDuring(async () => {
      setDuring(async () => undefined);
      await refundOf('refund-2', 700);
    });
    // Act
    await refundAtChannel({ payments, channels, now }, { refundId });
    // Assess: the first write met the other refund's version, was decided again, and both refunds are counted.
    expect(refunds).toHaveLength(1);
    expect(payments.paymentReads).toBe(3); // this step's, the other refund's create, and the second decision
    expect(payments.refunds.get(refundId)).toMatchObject({ status: 'succeeded' });
    expect(payments.items.get(id)).toMatchObject({ amountRefunded: 500 });
    const second = [...payments.refunds.values()].find((refund) => refund.id !== refundId);
    expect(second).toMatchObject({ status: 'pending', amount: 700 });
  });
});
