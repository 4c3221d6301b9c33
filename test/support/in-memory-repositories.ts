import type { BreakerState } from '../../lambdas/domain/channel-health';
import type { ChannelHealth } from '../../lambdas/ports/channel-health';
import { randomBytes } from 'node:crypto';
import { fingerprintWith } from '../../lambdas/adapters/crypto/fingerprinter';
import { type FingerprintedCard, summarizeCard } from '../../lambdas/domain/card';
import { ResourceNotFoundError, StaleVersionError } from '../../lambdas/domain/errors';
import { ApiKeyExistsError, ApiKeyLimitReachedError, type ApiKeyRecord, LastActiveApiKeyError, type Merchant, type PayoutLimitOverride, type StoredRiskRules, type StoredRoutingRules } from '../../lambdas/domain/merchant';
import type { Payment } from '../../lambdas/domain/payment';
import { type Transition, awaitsRiskReview } from '../../lambdas/domain/payment-lifecycle';
import { timelineOf } from '../../lambdas/domain/payment-timeline';
import type { Refund } from '../../lambdas/domain/refund';
import type { CardHold, CardHolds, HeldCardDetails, HoldCardInput } from '../../lambdas/ports/card-holds';
import type { CardVelocity } from '../../lambdas/ports/card-velocity';
import { VaultConflictError } from '../../lambdas/ports/vault-errors';
import type { ApiKeyPage, ApiKeySummary, MerchantRepository } from '../../lambdas/ports/merchant-repository';
import { recoveryName } from '../../lambdas/adapters/step-functions/workflows';
import type { Delivery, WorkflowRun, Workflows } from '../../lambdas/ports/workflows';
import type { PaymentPage, PaymentRepository, RefundPage, WaitingTask } from '../../lambdas/ports/payment-repository';
import { type ListWindow, newestFirst, pageInMemory } from '../../lambdas/domain/list-window';

/** Small fakes of the ports for use-case unit tests; the DynamoDB adapters have their own integration tests. */
export class InMemoryPaymentRepository implements PaymentRepository {
  readonly items = new Map<string, Payment>();
  readonly refunds = new Map<string, Refund>();
  readonly tasks = new Map<string, WaitingTask>();

  async insert(payment: Payment) {
    const existing = this.items.get(payment.id);
    if (existing) return { created: false, payment: existing };
    this.items.set(payment.id, payment);
    return { created: true, payment };
  }

  async apply(transition: Transition, also: { waitingTask?: WaitingTask; newRefund?: Refund; refund?: { next: Refund; previousVersion: number } } = {}) {
    const current = this.items.get(transition.payment.id);
    if (!current || current.version !== transition.from) throw new StaleVersionError(transition.payment.id, transition.from);
    if (also.refund && this.refunds.get(also.refund.next.id)?.version !== also.refund.previousVersion) {
      throw new StaleVersionError(transition.payment.id, transition.from);
    }
    if (also.newRefund && this.refunds.has(also.newRefund.id)) throw new StaleVersionError(transition.payment.id, transition.from);
    this.items.set(transition.payment.id, transition.payment);
    if (also.waitingTask) this.tasks.set(`${transition.payment.id}#${also.waitingTask.purpose}`, also.waitingTask);
    if (also.newRefund) this.refunds.set(also.newRefund.id, also.newRefund);
    if (also.refund) this.refunds.set(also.refund.next.id, also.refund.next);
  }

  async events(paymentId: string) {
    const payment = this.items.get(paymentId);
    return payment ? timelineOf(payment) : [];
  }

  async saveWaitingTask(paymentId: string, task: WaitingTask) {
    this.tasks.set(`${paymentId}#${task.purpose}`, task);
  }


  async waitingTask(paymentId: string, purpose: WaitingTask['purpose']) {
    return this.tasks.get(`${paymentId}#${purpose}`);
  }

  async getRefund(id: string) {
    return this.refunds.get(id);
  }

  async get(id: string) {
    return this.items.get(id);
  }

  async listByMerchant(merchantId: string, window: ListWindow): Promise<PaymentPage> {
    const all = [...this.items.values()].filter((payment) => payment.merchantId === merchantId).sort(newestFirst);
    const page = pageInMemory(all, window, (payment) => payment);
    return { payments: page.items, hasMore: page.hasMore };
  }

  async listInRiskReview(page: { limit: number; after?: Payment }): Promise<PaymentPage> {
    const order = (payment: Payment) => `${payment.createdAt}#${payment.id}`;
    const queue = [...this.items.values()].filter(awaitsRiskReview).sort((a, b) => order(a).localeCompare(order(b)));
    const rest = page.after ? queue.filter((payment) => order(payment) > order(page.after!)) : queue;
    return { payments: rest.slice(0, page.limit), hasMore: rest.length > page.limit };
  }

  async listRefunds(merchantId: string, window: ListWindow): Promise<RefundPage> {
    const all = [...this.refunds.values()].filter((refund) => refund.merchantId === merchantId).sort(newestFirst);
    const page = pageInMemory(all, window, (refund) => refund);
    return { refunds: page.items, hasMore: page.hasMore };
  }
}

export class InMemoryMerchantRepository implements MerchantRepository {
  readonly merchants = new Map<string, Merchant>();
  readonly keys = new Map<string, ApiKeyRecord>();

  async insertMerchant(merchant: Merchant) {
    const existing = this.merchants.get(merchant.id);
    if (existing) return { created: false, merchant: existing };
    this.merchants.set(merchant.id, merchant);
    return { created: true, merchant };
  }

  async getMerchant(id: string) {
    return this.merchants.get(id);
  }

  async setRiskRules(merchantId: string, rules: StoredRiskRules, previousVersion: number) {
    const merchant = this.merchants.get(merchantId);
    if (!merchant) return undefined;
    if ((merchant.riskRules?.version ?? 0) !== previousVersion) throw new StaleVersionError(`risk rules of ${merchantId}`, previousVersion);
    this.merchants.set(merchantId, { ...merchant, riskRules: rules });
    return { before: merchant.riskRules };
  }

  async setPayoutLimits(merchantId: string, currency: string, limits: PayoutLimitOverride | null) {
    const merchant = this.merchants.get(merchantId);
    if (!merchant) return undefined;
    const { [currency]: before, ...others } = merchant.payoutLimits ?? {};
    this.merchants.set(merchantId, { ...merchant, payoutLimits: limits ? { ...others, [currency]: limits } : others });
    return { before, after: limits ?? undefined };
  }

  async setRoutingRules(merchantId: string, rules: StoredRoutingRules, previousVersion: number) {
    const merchant = this.merchants.get(merchantId);
    if (!merchant) return undefined;
    if ((merchant.routingRules?.version ?? 0) !== previousVersion) throw new StaleVersionError(`routing rules of ${merchantId}`, previousVersion);
    this.merchants.set(merchantId, { ...merchant, routingRules: rules });
    return { before: merchant.routingRules };
  }

  private activeKeys(merchantId: string) {
    return [...this.keys.values()].filter((key) => key.merchantId === merchantId && key.status === 'active').length;
  }

  async addApiKey(record: ApiKeyRecord, limits: { maxActive: number }) {
    if (!this.merchants.has(record.merchantId)) throw new ResourceNotFoundError('merchant', record.merchantId);
    if (this.activeKeys(record.merchantId) >= limits.maxActive) throw new ApiKeyLimitReachedError(record.merchantId, limits.maxActive);
    if (this.keys.has(record.keyId)) throw new ApiKeyExistsError(record.keyId);
    this.keys.set(record.keyId, record);
  }

  async replaceApiKeySecret(keyId: string, change: { secretHash: string; createdByCommand: string }) {
    const current = this.keys.get(keyId);
    if (!current || current.status !== 'active' || current.createdByCommand !== change.createdByCommand) return false;
    this.keys.set(keyId, { ...current, secretHash: change.secretHash });
    return true;
  }

  async getApiKey(keyId: string) {
    return this.keys.get(keyId);
  }

  async revokeApiKey(key: ApiKeyRecord, change: { revokedAt: string; revokedByCommand: string; keepOneActive: boolean }) {
    const current = this.keys.get(key.keyId);
    if (!current || current.status !== 'active') return undefined;
    if (change.keepOneActive && this.activeKeys(key.merchantId) <= 1) throw new LastActiveApiKeyError(key.keyId);
    const revoked: ApiKeyRecord = { ...current, status: 'revoked', revokedAt: change.revokedAt, revokedByCommand: change.revokedByCommand };
    this.keys.set(key.keyId, revoked);
    return revoked;
  }

  async listApiKeys(merchantId: string, window: ListWindow): Promise<ApiKeyPage> {
    const position = (key: ApiKeySummary) => ({ createdAt: key.createdAt, id: key.keyId });
    const all = [...this.keys.values()]
      .filter((key) => key.merchantId === merchantId)
      .map(({ secretHash: _hash, ...summary }): ApiKeySummary => summary)
      .sort((a, b) => newestFirst(position(a), position(b)));
    const page = pageInMemory(all, window, position);
    return { keys: page.items, hasMore: page.hasMore };
  }
}

const FINGERPRINT_KEY = randomBytes(32);

/**
 * The card holds' contract without DynamoDB or KMS (the DynamoDB/KMS adapter has its integration tests): keyed
 * fingerprints under a random key, one hold per payment, its secret removed for good by a discard (the
 * tombstone keeps the fingerprint), another card under the same payment refused.
 */
export class InMemoryCardHolds implements CardHolds {
  readonly holds = new Map<string, { merchantId: string; card: FingerprintedCard; leaseUntil?: number; requestFingerprint?: string; secret?: HeldCardDetails }>();
  /** The clock leases are measured by (tests of the in-flight guard move it). */
  now: () => number = () => Date.now();
  /** One key for every instance: both regions' holds fingerprint under the same multi-Region key material. */
  private readonly fingerprintKey = FINGERPRINT_KEY;

  async fingerprint(cardNumber: string): Promise<string> {
    return fingerprintWith(this.fingerprintKey, 'card', cardNumber);
  }

  async hold({ merchantId, paymentId, card, leaseMs, requestFingerprint }: HoldCardInput): Promise<CardHold> {
    const summary: FingerprintedCard = { ...summarizeCard(card), fingerprint: await this.fingerprint(card.number) };
    const existing = this.holds.get(paymentId);
    if (existing) {
      if (existing.merchantId !== merchantId || existing.card.fingerprint !== summary.fingerprint || existing.card.exp_month !== card.exp_month || existing.card.exp_year !== card.exp_year) {
        throw new VaultConflictError('another card');
      }
      if (requestFingerprint !== undefined && existing.requestFingerprint !== undefined && existing.requestFingerprint !== requestFingerprint) throw new VaultConflictError('another request');
      if (leaseMs === undefined) return { card: existing.card, held: false, leased: false };
      const free = existing.leaseUntil === undefined || existing.leaseUntil <= this.now();
      if (free) existing.leaseUntil = this.now() + leaseMs;
      return { card: existing.card, held: false, leased: free };
    }
    this.holds.set(paymentId, { merchantId, card: summary, ...(leaseMs === undefined ? {} : { leaseUntil: this.now() + leaseMs }), ...(requestFingerprint === undefined ? {} : { requestFingerprint }), secret: { ...card } });
    return { card: summary, held: true, leased: true };
  }

  async reveal(paymentId: string, merchantId: string): Promise<HeldCardDetails | undefined> {
    const entry = this.holds.get(paymentId);
    return entry && entry.merchantId === merchantId && entry.secret ? { ...entry.secret } : undefined;
  }

  async discard(paymentId: string, merchantId: string): Promise<void> {
    const entry = this.holds.get(paymentId);
    if (entry && entry.merchantId === merchantId) delete entry.secret;
  }

  async releaseLease(paymentId: string, merchantId: string): Promise<void> {
    const entry = this.holds.get(paymentId);
    if (entry && entry.merchantId === merchantId) entry.leaseUntil = 0;
  }
}

export class InMemoryCardVelocity implements CardVelocity {
  readonly counters = new Map<string, Set<string>>();

  async countAttempt(subject: string, window: string, paymentId: string) {
    const key = `${subject}#${window}`;
    const payments = this.counters.get(key) ?? new Set<string>();
    payments.add(paymentId);
    this.counters.set(key, payments);
    return payments.size;
  }
}

/** Channel health as routing sees it: every channel healthy unless `states` says otherwise; outcomes kept. */
export class InMemoryChannelHealth implements ChannelHealth {
  readonly states = new Map<string, BreakerState>();
  /** Measured success per channel: [attempts, success rate]. */
  readonly rates = new Map<string, [number, number]>();
  readonly outcomes: { channel: string; ok: boolean }[] = [];
  flushes = 0;

  async views(channels: readonly string[]) {
    return new Map(
      channels.map((channel) => {
        const [attempts, successRate] = this.rates.get(channel) ?? [0, null];
        return [channel, { channel, state: this.states.get(channel) ?? 'closed', attempts, successRate, meanLatencyMs: null, since: 0 }] as const;
      }),
    );
  }

  record(channel: string, outcome: { ok: boolean }) {
    this.outcomes.push({ channel, ok: outcome.ok });
  }

  async flush() {
    this.flushes += 1;
    return [];
  }
}

/**
 * Records what the use cases asked of the workflows; `gone` tokens answer as dead ones do. A synchronous
 * run answers `runs` (default: unknown, as when the call got no answer, so the caller reads the object).
 */
export class RecordingWorkflows implements Workflows {
  readonly started: { kind: 'payoutWait' | 'captureWindow' | 'recovery'; id: string; input?: unknown }[] = [];
  readonly runs: { kind: 'payment' | 'refund' | 'payout'; input: unknown }[] = [];
  readonly deliveries: { token: string; kind: 'resume' | 'abort'; payload: unknown }[] = [];
  readonly goneTokens = new Set<string>();
  answer: (kind: 'payment' | 'refund' | 'payout', input: unknown) => WorkflowRun = () => ({ outcome: 'unknown', reason: 'recorded' });

  async runPayment(input: { paymentId: string; action: string }): Promise<WorkflowRun> {
    this.runs.push({ kind: 'payment', input });
    return this.answer('payment', input);
  }

  async runRefund(input: { refundId: string; paymentId: string }): Promise<WorkflowRun> {
    this.runs.push({ kind: 'refund', input });
    return this.answer('refund', input);
  }

  async openCaptureWindow(input: { paymentId: string; captureWindowSeconds: number }) {
    this.started.push({ kind: 'captureWindow', id: input.paymentId, input });
  }

  async runPayout(input: { payoutId: string; action: string }): Promise<WorkflowRun> {
    this.runs.push({ kind: 'payout', input });
    return this.answer('payout', input);
  }

  async openPayoutWait(input: { payoutId: string; wait: string; waitSeconds: number }) {
    this.started.push({ kind: 'payoutWait', id: input.payoutId, input });
  }

  async recover(input: { kind: 'payment' | 'refund' | 'payout'; id: string; inFlightSince: string; paymentId?: string }) {
    this.started.push({ kind: 'recovery', id: recoveryName(input.id, input.inFlightSince), input });
  }

  async resume(token: string, output: Record<string, unknown>): Promise<Delivery> {
    this.deliveries.push({ token, kind: 'resume', payload: output });
    return this.goneTokens.has(token) ? 'gone' : 'delivered';
  }

  async abort(token: string, error: string, cause: string): Promise<Delivery> {
    this.deliveries.push({ token, kind: 'abort', payload: { error, cause } });
    return this.goneTokens.has(token) ? 'gone' : 'delivered';
  }
}
