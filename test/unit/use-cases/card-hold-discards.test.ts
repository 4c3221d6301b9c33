import type { Transition } from '../../../lambdas/domain/payment-lifecycle';
import type { CardChannelDirectory } from '../../../lambdas/ports/workflows';
import { type CreatePaymentCommand, createPayment } from '../../../lambdas/use-cases/create-payment';
import { authorizePayment } from '../../../lambdas/use-cases/payment-saga/authorize-payment';
import { flagPaymentForAttention } from '../../../lambdas/use-cases/payment-saga/flag-payment-for-attention';
import { releaseAuthorization } from '../../../lambdas/use-cases/payment-saga/release-authorization';
import { PLATFORM_RISK_RULES, type RiskRuleSet } from '../../../lambdas/domain/risk';
import { screenPayment } from '../../../lambdas/use-cases/payment-saga/screen-payment';
import { InMemoryCardHolds, InMemoryCardVelocity, InMemoryChannelHealth, InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';
import { RecordingAcquirer } from '../../support/recording-acquirer';
import { DEFAULT_MERCHANT_ROUTING } from '../../../lambdas/domain/merchant';
import { createPaymentCommand } from '../../support/payment-commands';

/**
 * No card stays held once its payment can no longer use it (issue 13 item 7, decision record 0014), even when a
 * step fails between its two writes (a DynamoDB outage, a crash). Authorize and Screen discard the hold before
 * the write that makes it useless, so a retry finds it gone and still decides right (Authorize takes the
 * acquirer's record of the answer it already had, never a second charge); a step that finds its payment final
 * discards what a failed step left behind; a release that cannot reach the acquirer keeps the card for the
 * recovery that will authorize with it.
 */
const now = () => new Date('2026-11-21T12:00:00Z');

const command = (overrides: Partial<CreatePaymentCommand> = {}) => createPaymentCommand({ captureMethod: 'manual', ...overrides });

/** The payments table with one outage ahead: the next payment write fails, as DynamoDB down would. */
class PaymentsWithOutage extends InMemoryPaymentRepository {
  outages = 0;

  override async apply(transition: Transition, also?: Parameters<InMemoryPaymentRepository['apply']>[1]) {
    if (this.outages > 0) {
      this.outages -= 1;
      throw Object.assign(new Error('DynamoDB is unavailable'), { name: 'DependencyUnavailable' });
    }
    return super.apply(transition, also);
  }
}

/** The card holds with one outage ahead: the next discard fails. */
class HoldsWithOutage extends InMemoryCardHolds {
  outages = 0;

  override async discard(paymentId: string, merchantId: string) {
    if (this.outages > 0) {
      this.outages -= 1;
      throw Object.assign(new Error('DynamoDB is unavailable'), { name: 'DependencyUnavailable' });
    }
    return super.discard(paymentId, merchantId);
  }
}

/** A merchant rule set that declines BIN 410000 (the platform's defaults block no card). */
const BLOCKED_BIN_RULES: RiskRuleSet = {
  owner: 'merchant',
  version: 1,
  rules: [...PLATFORM_RISK_RULES.rules, { id: 'blocked_bin', when: { bin: { in: ['410000'] } }, score: 100 }],
  thresholds: PLATFORM_RISK_RULES.thresholds,
};

const prepare = async (card?: CreatePaymentCommand['card']) => {
  const payments = new PaymentsWithOutage();
  const holds = new HoldsWithOutage();
  const acquirer = new RecordingAcquirer(now);
  const channels: CardChannelDirectory = { channel: () => acquirer };
  const { id } = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now }, command(card ? { card } : {}));
  const steps = {
    screen: () => screenPayment({ payments, holds, velocity: new InMemoryCardVelocity(), health: new InMemoryChannelHealth(), merchantRouting: async () => DEFAULT_MERCHANT_ROUTING, riskRules: async () => BLOCKED_BIN_RULES, now }, { paymentId: id }),
    authorize: () => authorizePayment({ payments, holds, channels, health: new InMemoryChannelHealth(), assertLedgerWritable: async () => undefined, now }, { paymentId: id }),
    releaseAfter: (error: string) => releaseAuthorization({ payments, holds, channels, now }, { paymentId: id, error }),
  };
  return { id, payments, holds, acquirer, channels, steps };
};

describe('a card hold goes before the write that makes it useless', () => {
  it('Screen: a risk decline whose record fails leaves no card held, and its retry fails the payment', async () => {
    // Prepare: a card of a blocked BIN (the merchant's rule set), and the payments table down for the decline's write
    const { id, payments, holds, steps } = await prepare({ number: '4100000000000019', exp_month: 12, exp_year: 2030, cvc: '123' });
    payments.outages = 1;
    // Act
    await expect(steps.screen()).rejects.toMatchObject({ name: 'DependencyUnavailable' });
    // Assess
    await expect(holds.reveal(id, 'mer_a')).resolves.toBeUndefined();
    await expect(steps.screen()).resolves.toMatchObject({ next: 'done', payment: { status: 'failed', failure: { code: 'risk_declined' } } });
  });

  it('Authorize: an approval whose record fails leaves no card held, and its retry takes the acquirer\'s record (one authorization)', async () => {
    // Prepare: screened, then the payments table down for the authorization's write
    const { id, payments, holds, acquirer, steps } = await prepare();
    await steps.screen();
    payments.outages = 1;
    // Act
    await expect(steps.authorize()).rejects.toMatchObject({ name: 'DependencyUnavailable' });
    // Assess: the card is gone, and the retry asks the acquirer instead of authorizing again
    await expect(holds.reveal(id, 'mer_a')).resolves.toBeUndefined();
    await expect(steps.authorize()).resolves.toMatchObject({ next: 'open_capture_window', payment: { status: 'processing', authorizationId: 'auth_1' } });
    expect(acquirer.authorizeCalls).toHaveLength(1);
  });

  it('ReleaseAuthorization: a payment ended after a channel failure keeps no card, even when the discard failed once', async () => {
    // Prepare: screened, the authorization never answered (the workflow's ReleaseAfterFailure), the discard fails once
    const { id, holds, steps } = await prepare();
    await steps.screen();
    holds.outages = 1;
    // Act: the end is written, the discard fails; the step's retry finds the payment final
    await expect(steps.releaseAfter('ChannelUnavailable')).rejects.toMatchObject({ name: 'DependencyUnavailable' });
    await expect(steps.releaseAfter('ChannelUnavailable')).resolves.toMatchObject({ payment: { status: 'failed', failure: { code: 'processing_error' } } });
    // Assess
    await expect(holds.reveal(id, 'mer_a')).resolves.toBeUndefined();
  });

  it('ReleaseAuthorization: a release that cannot reach the acquirer keeps the card for the recovery, which authorizes once', async () => {
    // Prepare: screened; the acquirer down for the release's look-up (the run then hands over)
    const { id, holds, acquirer, steps } = await prepare();
    await steps.screen();
    acquirer.down = true;
    // Act
    await expect(steps.releaseAfter('ChannelUnavailable')).rejects.toMatchObject({ name: 'ChannelUnavailable' });
    acquirer.down = false;
    // Assess: the recovery's run authorizes with the card still held
    await expect(holds.reveal(id, 'mer_a')).resolves.toMatchObject({ number: '4242424242424242' });
    await expect(steps.authorize()).resolves.toMatchObject({ payment: { authorizationId: 'auth_1' } });
    expect(acquirer.authorizeCalls).toHaveLength(1);
    await expect(holds.reveal(id, 'mer_a')).resolves.toBeUndefined();
  });

  it('Screen: a recovery running a final payment again discards a hold a failed step left behind', async () => {
    // Prepare: a risk decline recorded, its discard lost (as if written by a step that failed before it)
    const { id, payments, holds, steps } = await prepare();
    const failed = payments.items.get(id);
    payments.items.set(id, { ...failed!, status: 'failed', inFlightSince: null, version: failed!.version + 1 });
    // Act
    await expect(steps.screen()).resolves.toMatchObject({ next: 'done' });
    // Assess
    await expect(holds.reveal(id, 'mer_a')).resolves.toBeUndefined();
  });

  it('flagPaymentForAttention: a payment whose runs never reached its authorization keeps no card once flagged', async () => {
    // Prepare: created, never screened (its runs kept failing before Screen wrote anything)
    const { id, payments, holds } = await prepare();
    // Act
    const flagged = await flagPaymentForAttention({ payments, holds, now }, { paymentId: id, step: 'Recovery', error: 'RecoveryFailed' });
    // Assess
    expect(flagged.payment).toMatchObject({ status: 'requires_attention' });
    await expect(holds.reveal(id, 'mer_a')).resolves.toBeUndefined();
  });
});
