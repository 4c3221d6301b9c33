import { DEFAULT_MERCHANT_ROUTING } from '../../../lambdas/domain/merchant';
import type { Payment } from '../../../lambdas/domain/payment';
import { PLATFORM_RISK_RULES, type RiskRuleSet } from '../../../lambdas/domain/risk';
import { type CreatePaymentCommand, createPayment } from '../../../lambdas/use-cases/create-payment';
import { screenPayment, screeningOf } from '../../../lambdas/use-cases/payment-saga/screen-payment';
import { InMemoryCardHolds, InMemoryCardVelocity, InMemoryChannelHealth, InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';
import { createPaymentCommand } from '../../support/payment-commands';

/**
 * Decision record 0038: the create screens the payment (risk rules, routing) before storing it, so its first
 * write records the screening and the workflow's Screen step finds nothing to do: one write to `payments`
 * where there were two. What must hold: the same decision as the Screen step, a decline's card hold
 * discarded before the failed payment is stored, and a retry that keeps the stored screening and runs
 * (or not) exactly as before.
 */
const now = () => new Date('2026-11-21T12:00:00Z');

const BLOCKED_BIN_RULES: RiskRuleSet = {
  owner: 'merchant',
  version: 1,
  rules: [...PLATFORM_RISK_RULES.rules, { id: 'blocked_bin', when: { bin: { in: ['410000'] } }, score: 100 }],
  thresholds: PLATFORM_RISK_RULES.thresholds,
};

const command = (overrides: Partial<CreatePaymentCommand> = {}) => createPaymentCommand({ amount: 5000, currency: 'EUR', ...overrides });

/** Counts the writes to payments (the insert and each applied transition), and the reads. */
class CountingPayments extends InMemoryPaymentRepository {
  writes = 0;
  reads = 0;
  override async get(id: string) {
    this.reads += 1;
    return super.get(id);
  }
  override async insert(payment: Payment) {
    this.writes += 1;
    return super.insert(payment);
  }
  override async apply(...args: Parameters<InMemoryPaymentRepository['apply']>) {
    this.writes += 1;
    return super.apply(...args);
  }
}

const setUp = (riskRules: RiskRuleSet = PLATFORM_RISK_RULES) => {
  const payments = new CountingPayments();
  const holds = new InMemoryCardHolds();
  const velocity = new InMemoryCardVelocity();
  const workflows = new RecordingWorkflows();
  const screeningDeps = { holds, velocity, health: new InMemoryChannelHealth(), merchantRouting: async () => DEFAULT_MERCHANT_ROUTING, riskRules: async () => riskRules, random: () => 0.5 };
  let screenings = 0;
  const screen = (payment: Payment) => {
    screenings += 1;
    return screeningOf(screeningDeps, payment, now());
  };
  const create = (overrides: Partial<CreatePaymentCommand> = {}) => createPayment({ payments, holds, workflows, now, screen }, command(overrides));
  const screenStep = (paymentId: string, screened?: Parameters<typeof screenPayment>[1]['screened']) =>
    screenPayment({ ...screeningDeps, payments, now }, { paymentId, ...(screened ? { action: 'create' as const, screened } : {}) });
  return { payments, holds, workflows, create, screenStep, screenings: () => screenings };
};

describe('the create screens the payment in its first write', () => {
  it('stores the payment screened and routed in one write; the Screen step then writes nothing', async () => {
    // Prepare
    const { payments, workflows, create, screenStep } = setUp();
    // Act
    const payment = await create();
    const step = await screenStep(payment.id);
    // Assess: created and screened (versions 1 and 2) in one insert, the run started, the Screen step passed
    expect(payments.writes).toBe(1);
    const stored = payments.items.get(payment.id)!;
    expect(stored).toMatchObject({ version: 2, status: 'processing', channel: 'boreal', risk: { decision: 'approve' }, route: { plan: ['boreal', 'atlas'] } });
    expect(stored.timeline.map((entry) => [entry.type, entry.version])).toEqual([
      ['payment.created', 1],
      ['payment.screened', 2],
    ]);
    expect(workflows.runs).toEqual([{ kind: 'payment', input: expect.objectContaining({ paymentId: payment.id }) }]);
    expect(step).toMatchObject({ next: 'authorize', payment: { status: 'processing' } });
  });

  it('makes the decision the Screen step makes for the same payment', async () => {
    // Prepare: the same request, screened by the create in one setup and by the Screen step in the other
    const atCreate = setUp();
    const byStep = setUp();
    // Act
    const screened = await atCreate.create();
    const created = await createPayment({ payments: byStep.payments, holds: byStep.holds, workflows: byStep.workflows, now }, command());
    await byStep.screenStep(created.id);
    // Assess
    const pick = (payment: Payment) => ({ version: payment.version, risk: payment.risk, channel: payment.channel, route: payment.route, timeline: payment.timeline });
    expect(pick(atCreate.payments.items.get(screened.id)!)).toEqual(pick(byStep.payments.items.get(created.id)!));
    expect(byStep.payments.writes).toBe(2);
  });

  it('discards the card hold of a risk decline before the failed payment is stored', async () => {
    // Prepare: a card of the merchant's blocked BIN
    const { payments, holds, create } = setUp(BLOCKED_BIN_RULES);
    // Act
    const payment = await create({ card: { number: '4100000000000019', exp_month: 12, exp_year: 2030, cvc: '123' } });
    // Assess
    expect(payment).toMatchObject({ status: 'failed', failure: { code: 'risk_declined' }, version: 2 });
    expect(payments.writes).toBe(1);
    await expect(holds.reveal(payment.id, 'mer_a')).resolves.toBeUndefined();
  });

  it('runs again for a retry of a payment no run has written yet, keeping its screening', async () => {
    // Prepare: a create whose run never started (a crash between the write and the run)
    const { payments, workflows, create, screenings } = setUp();
    const first = await create();
    // Act
    const retry = await create();
    // Assess: not screened again, the stored payment runs once more
    expect(screenings()).toBe(1);
    expect(retry).toEqual(payments.items.get(first.id));
    expect(workflows.runs).toHaveLength(2);
  });

  it('answers a retry of a payment a run has written with the payment as stored, running nothing', async () => {
    // Prepare: the payment's run recorded something after the create (here: a failure)
    const { payments, workflows, create } = setUp();
    const first = await create();
    const stored = payments.items.get(first.id)!;
    payments.items.set(first.id, { ...stored, version: 3 });
    // Act
    const retry = await create();
    // Assess
    expect(retry.version).toBe(3);
    expect(workflows.runs).toHaveLength(1);
  });
});

describe('the run starts with the create\'s screening (decision 0055)', () => {
  type Carried = Parameters<typeof screenPayment>[1]['screened'];
  const carriedBy = (workflows: RecordingWorkflows) => workflows.runs.map((run) => (run.input as { screened?: Carried }).screened);

  it('starts the run with the answer the Screen step would give, and the step passes it on without a read', async () => {
    // Prepare
    const { payments, workflows, create, screenStep } = setUp();
    const payment = await create();
    const [screened] = carriedBy(workflows);
    const read = await screenStep(payment.id);
    payments.reads = 0;
    // Act
    const carried = await screenStep(payment.id, screened);
    // Assess: the same answer as the step's own read, no card data, and no read made
    expect(screened).toEqual(read);
    expect(carried).toEqual(read);
    expect(payments.reads).toBe(0);
    expect(JSON.stringify(screened)).not.toMatch(/4242424242424242|"cvc"|"number"|"bin"/);
  });

  it('carries nothing for a payment it did not just store screened: a decline, a retry of a stored payment', async () => {
    // Prepare
    const declined = setUp(BLOCKED_BIN_RULES);
    const retried = setUp();
    // Act
    await declined.create({ card: { number: '4100000000000019', exp_month: 12, exp_year: 2030, cvc: '123' } });
    await retried.create();
    await retried.create();
    // Assess
    expect(carriedBy(declined.workflows)).toEqual([undefined]);
    expect(carriedBy(retried.workflows).map((carried) => carried?.next)).toEqual(['authorize', undefined]);
  });

  it('reads the payment when the carried answer is for another payment', async () => {
    // Prepare
    const { payments, workflows, create, screenStep } = setUp();
    const payment = await create();
    await create({ idempotencyKey: 'another-key' });
    const [, other] = carriedBy(workflows);
    payments.reads = 0;
    // Act
    const answer = await screenStep(payment.id, other);
    // Assess
    expect(other?.payment.id).not.toBe(payment.id);
    expect(payments.reads).toBe(1);
    expect(answer.payment.id).toBe(payment.id);
  });
});
