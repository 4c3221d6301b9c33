import type { Payment } from '../../lambdas/domain/payment';
import type { Refund } from '../../lambdas/domain/refund';
import type { MerchantCredentials } from '../../local/seed';
import type { StateMachineKey } from '../../platform/state-machines';
import type { ApiAnswer, ApiClient } from './http';

/**
 * The traffic the benchmark drives over HTTP, as a list of weighted entries. Each entry is one kind of
 * merchant behaviour, run end to end: it makes its requests, then resolves once every saga it started
 * has ended. Adding a kind of traffic (FX conversions, payouts, once their endpoints exist) is adding one
 * entry to `MIX` with its weight: the runner, the counts, the cost model and the report need no change.
 *
 * Per-payment figures divide everything the whole mix caused (captures, refunds, webhooks, and later
 * conversions and payouts) by the payments it created, so a mix entry that creates no payment (a payout)
 * reports `units.payments = 0` and its cost is carried by the payments of the mix.
 */
export interface MixContext {
  readonly api: ApiClient;
  readonly merchants: readonly MerchantCredentials[];
  /** Seeded: the same seed gives the same amounts, currencies and cards. */
  readonly random: () => number;
  /** Resolves when the execution of `machine` named `name` has closed (no API polling). */
  waitForExecution(machine: StateMachineKey, name: string): Promise<{ status: string; stoppedAt: number }>;
  /** The stored payment and refund (read by the harness, uncounted). */
  payment(id: string): Promise<Payment | undefined>;
  refund(id: string): Promise<Refund | undefined>;
  waitForPayment(id: string, done: (payment: Payment) => boolean, timeoutMs: number): Promise<Payment | undefined>;
}

export interface MixOutcome {
  /** What this run created, by kind: `payments` is the per-payment denominator. */
  readonly units: { readonly payments: number; readonly refunds?: number; readonly captures?: number } & Record<string, number | undefined>;
  /** When the first request was sent (epoch ms). */
  readonly sentAt: number;
  /** When the payment reached its terminal status (epoch ms): the execution's stop time. */
  readonly paymentTerminalAt?: number;
  /** When everything this run started had ended (epoch ms). */
  readonly endedAt: number;
  /** The payment it created, if any, and its refunds. */
  readonly paymentId?: string;
  readonly refundIds?: readonly string[];
  /** The payment's final status and failure code, for the outcome table. */
  readonly status: string;
  readonly failureCode?: string | null;
  /** Requests that did not get the answer this behaviour expects (status and code), for the report. */
  readonly unexpected: readonly string[];
}

export interface MixEntry {
  readonly name: string;
  readonly weight: number;
  readonly description: string;
  run(context: MixContext, sequence: number): Promise<MixOutcome>;
}

const APPROVING_CARDS = ['4242424242424242', '5555555555554444'];
/** Issuer declines at the simulator. The risk rules decline a card used more than 5 times in 10 minutes, so later uses end risk_declined instead: both are declines. */
const DECLINING_CARDS = ['4000000000000002', '4000000000009995', '4000000000000069', '4000000000000127', '4000000000000440', '4000000000009987', '4000000000009979'];

/** Currency weights and amount ranges (minor units) of a cross-border games merchant. */
const CURRENCIES: readonly { currency: string; weight: number; min: number; max: number }[] = [
  { currency: 'USD', weight: 40, min: 499, max: 19_999 },
  { currency: 'EUR', weight: 25, min: 499, max: 29_999 },
  { currency: 'BRL', weight: 15, min: 990, max: 49_990 },
  { currency: 'JPY', weight: 10, min: 500, max: 30_000 },
  { currency: 'GBP', weight: 10, min: 399, max: 19_999 },
];

export const card = (number: string) => ({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } });

const pickWeighted = <T extends { weight: number }>(items: readonly T[], random: () => number): T => {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let roll = random() * total;
  for (const item of items) {
    roll -= item.weight;
    if (roll < 0) return item;
  }
  return items[items.length - 1] as T;
};

export const pickAmount = (random: () => number): { amount: number; currency: string } => {
  const { currency, min, max } = pickWeighted(CURRENCIES, random);
  return { currency, amount: min + Math.floor(random() * (max - min + 1)) };
};

const TERMINAL = ['succeeded', 'failed', 'canceled', 'requires_attention'];
const AUTHORIZED_OR_OVER = ['requires_capture', ...TERMINAL];

const describe = (answer: ApiAnswer) => `${answer.status} ${answer.json?.code ?? answer.json?.status ?? ''}`.trim();

/** POST /v1/payments; its answer and when it was sent. */
const createPayment = async (context: MixContext, sequence: number, body: Record<string, unknown>) => {
  const merchant = context.merchants[sequence % context.merchants.length] as MerchantCredentials;
  const sentAt = Date.now();
  const answer = await context.api.call('create_payment', 'POST', '/v1/payments', {
    key: merchant.api_key,
    idempotencyKey: `bench-${sequence}-${Math.floor(context.random() * 1e12)}`,
    body: { ...pickAmount(context.random), ...body, metadata: { bench_sequence: String(sequence) } },
  });
  return { merchant, sentAt, answer };
};

/** A payment run to its end: the execution's stop time and the stored payment. */
const settle = async (context: MixContext, paymentId: string) => {
  const execution = await context.waitForExecution('payment', paymentId);
  const payment = await context.payment(paymentId);
  return { terminalAt: execution.stoppedAt, payment };
};

const failed = (sentAt: number, unexpected: string[]): MixOutcome => ({
  units: { payments: 0 },
  sentAt,
  endedAt: Date.now(),
  status: 'not_created',
  unexpected,
});

export const automaticCapture: MixEntry = {
  name: 'automatic_capture',
  weight: 55,
  description: 'card payment captured automatically (approving test cards)',
  run: async (context, sequence) => {
    const { sentAt, answer } = await createPayment(context, sequence, { payment_method: card(APPROVING_CARDS[sequence % 2] as string) });
    if (answer.status !== 201) return failed(sentAt, [`create_payment ${describe(answer)}`]);
    const { terminalAt, payment } = await settle(context, answer.json.id);
    const unexpected = payment?.status === 'succeeded' ? [] : [`payment ended ${payment?.status}`];
    return { units: { payments: 1 }, paymentId: answer.json.id, sentAt, paymentTerminalAt: terminalAt, endedAt: terminalAt, status: payment?.status ?? 'missing', failureCode: payment?.failure?.code ?? null, unexpected };
  },
};

export const manualCapture: MixEntry = {
  name: 'manual_capture',
  weight: 20,
  description: 'authorized with capture_method manual, then captured (alternately in full and 75 %) by POST /capture',
  run: async (context, sequence) => {
    const { merchant, sentAt, answer } = await createPayment(context, sequence, { payment_method: card(APPROVING_CARDS[sequence % 2] as string), capture_method: 'manual' });
    if (answer.status !== 201) return failed(sentAt, [`create_payment ${describe(answer)}`]);
    const id: string = answer.json.id;
    const unexpected: string[] = [];
    const authorized = AUTHORIZED_OR_OVER.includes(answer.json.status) ? answer.json : await context.waitForPayment(id, (payment) => AUTHORIZED_OR_OVER.includes(payment.status), 60_000);
    if (authorized?.status === 'requires_capture') {
      const amount = sequence % 2 === 0 ? undefined : Math.max(1, Math.floor((answer.json.amount as number) * 0.75));
      const captured = await context.api.call('capture_payment', 'POST', `/v1/payments/${id}/capture`, {
        key: merchant.api_key,
        idempotencyKey: `bench-capture-${sequence}`,
        body: amount === undefined ? {} : { amount_to_capture: amount },
      });
      if (captured.status !== 200) unexpected.push(`capture_payment ${describe(captured)}`);
    } else {
      unexpected.push(`never reached requires_capture (${authorized?.status})`);
    }
    const { terminalAt, payment } = await settle(context, id);
    if (payment?.status !== 'succeeded') unexpected.push(`payment ended ${payment?.status}`);
    return { units: { payments: 1, captures: 1 }, paymentId: id, sentAt, paymentTerminalAt: terminalAt, endedAt: terminalAt, status: payment?.status ?? 'missing', failureCode: payment?.failure?.code ?? null, unexpected };
  },
};

export const partialRefunds: MixEntry = {
  name: 'partial_refunds',
  weight: 15,
  description: 'automatic payment, then two partial refunds (30 % and 20 %), each run by the refund saga',
  run: async (context, sequence) => {
    const { merchant, sentAt, answer } = await createPayment(context, sequence, { payment_method: card(APPROVING_CARDS[sequence % 2] as string) });
    if (answer.status !== 201) return failed(sentAt, [`create_payment ${describe(answer)}`]);
    const id: string = answer.json.id;
    const { terminalAt, payment } = await settle(context, id);
    const unexpected: string[] = [];
    let endedAt = terminalAt;
    let refunds = 0;
    const refundIds: string[] = [];
    if (payment?.status === 'succeeded') {
      for (const [index, share] of [0.3, 0.2].entries()) {
        const refund = await context.api.call('create_refund', 'POST', '/v1/refunds', {
          key: merchant.api_key,
          idempotencyKey: `bench-refund-${sequence}-${index}`,
          body: { payment_id: id, amount: Math.max(1, Math.floor(payment.amount * share)), reason: 'requested_by_customer' },
        });
        if (refund.status !== 201) {
          unexpected.push(`create_refund ${describe(refund)}`);
          continue;
        }
        refunds += 1;
        refundIds.push(refund.json.id);
        const execution = await context.waitForExecution('refund', refund.json.id);
        endedAt = execution.stoppedAt;
        if (execution.status !== 'SUCCEEDED') unexpected.push(`refund execution ${execution.status}`);
        // The saga also ends SUCCEEDED when the refund itself failed (its RefundFailed state).
        const stored = await context.refund(refund.json.id);
        if (stored?.status !== 'succeeded') unexpected.push(`refund ${refund.json.id} (${share * 100} %) ${stored?.status}: ${stored?.failure?.code ?? ''}`);
      }
      const after = await context.payment(id);
      const refunded = after?.amountRefunded ?? 0;
      const expected = Math.max(1, Math.floor(payment.amount * 0.3)) + Math.max(1, Math.floor(payment.amount * 0.2));
      if (refunded !== expected) unexpected.push(`amount_refunded ${refunded}, expected ${expected}`);
    } else {
      unexpected.push(`payment ended ${payment?.status}`);
    }
    return { units: { payments: 1, refunds }, paymentId: id, refundIds, sentAt, paymentTerminalAt: terminalAt, endedAt, status: payment?.status ?? 'missing', failureCode: payment?.failure?.code ?? null, unexpected };
  },
};

export const declines: MixEntry = {
  name: 'decline',
  weight: 10,
  description: 'declined by the issuer (decline test cards); past 5 uses of a card in 10 minutes the risk rules decline it first',
  run: async (context, sequence) => {
    const { sentAt, answer } = await createPayment(context, sequence, { payment_method: card(DECLINING_CARDS[sequence % DECLINING_CARDS.length] as string) });
    if (answer.status !== 201) return failed(sentAt, [`create_payment ${describe(answer)}`]);
    const { terminalAt, payment } = await settle(context, answer.json.id);
    const unexpected = payment?.status === 'failed' ? [] : [`payment ended ${payment?.status}`];
    return { units: { payments: 1 }, paymentId: answer.json.id, sentAt, paymentTerminalAt: terminalAt, endedAt: terminalAt, status: payment?.status ?? 'missing', failureCode: payment?.failure?.code ?? null, unexpected };
  },
};

/**
 * The default mix. FX conversions and payouts plug in here as one entry each once their endpoints exist,
 * e.g. `{ name: 'payout', weight: 5, description: ..., run: async (context, sequence) => ... }`.
 */
export const MIX: readonly MixEntry[] = [automaticCapture, manualCapture, partialRefunds, declines];

/** `--mix automatic_capture=60,decline=40` → the entries with those weights (others dropped). */
export const mixFromOption = (option: string | undefined, entries: readonly MixEntry[] = MIX): MixEntry[] => {
  if (!option) return [...entries];
  return option.split(',').map((part) => {
    const [name, weight] = part.split('=');
    const entry = entries.find((candidate) => candidate.name === name?.trim());
    if (!entry) throw new Error(`--mix: no entry '${name}' (entries: ${entries.map((candidate) => candidate.name).join(', ')})`);
    const value = Number(weight);
    if (!(value > 0)) throw new Error(`--mix: weight of '${name}' must be a positive number`);
    return { ...entry, weight: value };
  });
};

/**
 * The plan: `count` runs whose entries follow the weights exactly (largest remainder), shuffled with the
 * seeded PRNG so kinds interleave.
 */
export const planMix = (entries: readonly MixEntry[], count: number, random: () => number): MixEntry[] => {
  const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
  const exact = entries.map((entry) => (entry.weight / total) * count);
  const counts = exact.map(Math.floor);
  const order = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder);
  for (let missing = count - counts.reduce((sum, value) => sum + value, 0), at = 0; missing > 0; missing -= 1, at += 1) {
    const slot = order[at % order.length] as { index: number };
    counts[slot.index] = (counts[slot.index] ?? 0) + 1;
  }
  const plan = entries.flatMap((entry, index) => Array.from({ length: counts[index] ?? 0 }, () => entry));
  for (let index = plan.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [plan[index], plan[other]] = [plan[other] as MixEntry, plan[index] as MixEntry];
  }
  return plan;
};
