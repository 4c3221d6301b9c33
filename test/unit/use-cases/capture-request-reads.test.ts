import { DEFAULT_MERCHANT_ROUTING } from '../../../lambdas/domain/merchant';
import type { Payment } from '../../../lambdas/domain/payment';
import { recordAwaitingCapture } from '../../../lambdas/domain/payment-lifecycle';
import { PLATFORM_RISK_RULES } from '../../../lambdas/domain/risk';
import type { CardChannelDirectory } from '../../../lambdas/ports/workflows';
import { createPayment } from '../../../lambdas/use-cases/create-payment';
import { authorizePayment } from '../../../lambdas/use-cases/payment-saga/authorize-payment';
import { screenPayment } from '../../../lambdas/use-cases/payment-saga/screen-payment';
import { requestPaymentCancel } from '../../../lambdas/use-cases/request-payment-cancel';
import { requestPaymentCapture } from '../../../lambdas/use-cases/request-payment-capture';
import { InMemoryCardHolds, InMemoryCardVelocity, InMemoryChannelHealth, InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';
import { createPaymentCommand } from '../../support/payment-commands';
import { RecordingAcquirer } from '../../support/recording-acquirer';

/**
 * A merchant's capture or cancel of a manual payment reads the payment once, strongly consistent, and
 * decides its request from that read (decision 0055); the write over the version read still refuses a
 * change made meanwhile, which is read and decided again.
 */
const now = () => new Date('2026-11-21T12:00:00Z');

class CountingReads extends InMemoryPaymentRepository {
  reads: { id: string; consistent: boolean }[] = [];
  override async get(id: string, options: { consistent?: boolean } = {}) {
    this.reads.push({ id, consistent: options.consistent === true });
    return super.get(id);
  }
}

/** A manual payment waiting for its capture (authorized, recorded), and a workflow fake that answers the run finished. */
const authorizedManualPayment = async () => {
  const payments = new CountingReads();
  const holds = new InMemoryCardHolds();
  const acquirer = new RecordingAcquirer(now);
  const channels: CardChannelDirectory = { channel: () => acquirer };
  const workflows = new RecordingWorkflows();
  const { id, merchantId } = await createPayment({ payments, holds, workflows, now }, createPaymentCommand({ captureMethod: 'manual' }));
  await screenPayment(
    { payments, holds, velocity: new InMemoryCardVelocity(), health: new InMemoryChannelHealth(), merchantRouting: async () => DEFAULT_MERCHANT_ROUTING, riskRules: async () => PLATFORM_RISK_RULES, now },
    { paymentId: id },
  );
  await authorizePayment({ payments, holds, channels, health: new InMemoryChannelHealth(), assertLedgerWritable: async () => undefined, now }, { paymentId: id });
  await payments.apply(recordAwaitingCapture(payments.items.get(id) as Payment, now()));
  workflows.answer = () => ({ outcome: 'finished', output: { next: 'done', payment: payments.items.get(id) } });
  payments.reads = [];
  workflows.runs.length = 0;
  return { id, merchantId, payments, workflows };
};

describe('a capture or cancel request', () => {
  it.each([
    ['capture', (deps: Awaited<ReturnType<typeof authorizedManualPayment>>) => requestPaymentCapture({ ...deps, now }, { merchantId: deps.merchantId, paymentId: deps.id, commandId: 'cmd_1' })],
    ['cancel', (deps: Awaited<ReturnType<typeof authorizedManualPayment>>) => requestPaymentCancel({ ...deps, now }, { merchantId: deps.merchantId, paymentId: deps.id, reason: 'requested_by_customer', commandId: 'cmd_1' })],
  ])('%s: reads the payment once, strongly consistent, and records the request over that version', async (_name, request) => {
    // Prepare
    const deps = await authorizedManualPayment();
    const version = (deps.payments.items.get(deps.id) as Payment).version;
    // Act
    const { before } = await request(deps);
    // Assess
    expect(deps.payments.reads).toEqual([{ id: deps.id, consistent: true }]);
    expect(before.version).toBe(version);
    expect((deps.payments.items.get(deps.id) as Payment).version).toBe(version + 1);
    expect(deps.workflows.runs).toHaveLength(1);
  });

  it('decides again from a fresh read when the payment changed after the read (a concurrent cancel wins, the capture is refused)', async () => {
    // Prepare
    const deps = await authorizedManualPayment();
    const original = deps.payments.get.bind(deps.payments);
    let first = true;
    deps.payments.get = async (id: string, options?: { consistent?: boolean }) => {
      const read = await original(id, options);
      if (first) {
        first = false;
        // The cancel lands between the capture's read and its write.
        await requestPaymentCancel({ ...deps, now }, { merchantId: deps.merchantId, paymentId: deps.id, reason: 'requested_by_customer', commandId: 'cmd_cancel' });
      }
      return read;
    };
    // Act
    const outcome = requestPaymentCapture({ ...deps, now }, { merchantId: deps.merchantId, paymentId: deps.id, commandId: 'cmd_capture' });
    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'PaymentNotCapturableError' });
    expect(deps.payments.items.get(deps.id)).toMatchObject({ cancelCommandId: 'cmd_cancel' });
    expect(deps.payments.items.get(deps.id)?.captureRequested ?? null).toBeNull();
  });
});
