import type { Payment } from '../../lambdas/domain/payment';
import type { Payout } from '../../lambdas/domain/payouts/payout';
import type { Refund } from '../../lambdas/domain/refund';
import type { MerchantCredentials } from '../../local/seed';
import type { StateMachineKey } from '../../platform/state-machines';
import type { ApiAnswer, ApiClient } from './http';
import {
  BENEFICIARIES,
  type BeneficiaryBook,
  CONVERSION_PAIRS,
  PAYOUT_DESTINATIONS,
  fundingAmount,
  indicativeAmount,
  payoutScenario,
  spendOf,
} from './treasury';

/**
 * The traffic the benchmark drives over HTTP, as a list of weighted entries. Each entry is one kind of
 * merchant behaviour, run end to end: it makes its requests, then resolves once every saga it started
 * has ended. Adding a kind of traffic (FX conversions, payouts, once their endpoints exist) is adding one
 * entry to `MIX` with its weight: the runner, the counts, the cost model and the report need no change.
 *
 * Every run creates exactly one card payment (a conversion or a payout run is funded by its own payment,
 * captured and settled by the acquirer's webhook before anything is spent: bench/lib/treasury.ts), so
 * `--payments N` is both the runs and the payments. Each request names the operation it serves (`cause`:
 * payment, conversion or payout) and the harness attributes every count to the operation that caused it
 * (bench/lib/attribution.ts): per-payment figures hold what payments caused, per-payout figures what
 * payouts caused.
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
  /** Resolves true once the payment's capture has settled into the merchant's available funds (read by the harness, uncounted). */
  waitForFunds(paymentId: string, timeoutMs: number): Promise<boolean>;
  /** Resolves once the payout is terminal (closed, or paid and parked in its return window): bench/lib/platform.ts. */
  waitForPayout(id: string, timeoutMs: number, options?: { untilClosed?: boolean }): Promise<{ payout: Payout | undefined; terminalAt: number; timedOut: boolean }>;
  /** The merchants' beneficiaries, created once per merchant and beneficiary. */
  readonly beneficiaries: BeneficiaryBook;
}

export interface MixOutcome {
  /** What this run created, by kind: `payments` is the per-payment denominator. */
  readonly units: {
    readonly payments: number;
    readonly refunds?: number;
    readonly captures?: number;
    readonly conversions?: number;
    readonly payouts?: number;
    readonly quotes?: number;
  } & Record<string, number | undefined>;
  /** When the first request was sent (epoch ms). */
  readonly sentAt: number;
  /** When the payment reached its terminal status (epoch ms): the execution's stop time. */
  readonly paymentTerminalAt?: number;
  /** When everything this run started had ended (epoch ms). */
  readonly endedAt: number;
  /** The payment it created, if any, and its refunds. */
  readonly paymentId?: string;
  readonly refundIds?: readonly string[];
  /** The payout it created: when its request was sent, when it reached its terminal status, its destination. */
  readonly payoutId?: string;
  readonly payoutSentAt?: number;
  readonly payoutTerminalAt?: number;
  readonly payoutDestination?: string;
  /** The conversion it made: when its quote was asked for, when the conversion was answered (it completes synchronously). */
  readonly conversionId?: string;
  readonly conversionSentAt?: number;
  readonly conversionEndedAt?: number;
  /** The final status and failure code of what the run is about (the payment; for treasury runs the conversion or payout), for the outcome table. */
  readonly status: string;
  readonly failureCode?: string | null;
  /** Requests that did not get the answer this behaviour expects (status and code), for the report. */
  readonly unexpected: readonly string[];
}

export interface MixEntry {
  readonly name: string;
  readonly weight: number;
  readonly description: string;
  /** One-time setup before the warm-up and the measured window (a merchant's onboarding of its suppliers). */
  prepare?(context: MixContext): Promise<void>;
  run(context: MixContext, sequence: number): Promise<MixOutcome>;
}

/**
 * The approving card of run `sequence`: a player's own card, one per run (Visa and Mastercard in turn), like a
 * games merchant's traffic where each player pays with their card. Luhn-valid, outside the simulator's test
 * cards (so it approves) and outside the velocity-exempt ones: each card's velocity counter is its own
 * partition key, as in production, instead of two test cards every payment shares (which made those two
 * counters the hottest keys of the run and set the one-merchant ceiling).
 */
export const playerCardNumber = (sequence: number): string => {
  const body = `${sequence % 2 ? '510510' : '411111'}${String(sequence).padStart(9, '0')}`;
  const sum = [...body].reverse().reduce((total, digit, index) => {
    const value = Number(digit) * (index % 2 === 0 ? 2 : 1);
    return total + (value > 9 ? value - 9 : value);
  }, 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
};
/** Issuer declines at the simulator. The demo merchants' risk rule set lets a card be reused (local/seed.ts): every use reaches the issuer. */
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

/** The merchant a run acts as: runs alternate between the merchants by sequence. */
export const merchantOf = <M>(merchants: readonly M[], sequence: number): M => merchants[sequence % merchants.length] as M;

/** POST /v1/payments; its answer and when it was sent. */
const createPayment = async (context: MixContext, sequence: number, body: Record<string, unknown>) => {
  const merchant = merchantOf(context.merchants, sequence);
  const sentAt = Date.now();
  const answer = await context.api.call('create_payment', 'POST', '/v1/payments', {
    key: merchant.api_key,
    idempotencyKey: `bench-${sequence}-${Math.floor(context.random() * 1e12)}`,
    cause: 'payment',
    run: sequence,
    body: { ...pickAmount(context.random), ...body, metadata: { bench_sequence: String(sequence) } },
  });
  return { merchant, sentAt, answer };
};

/**
 * A payment run to its end: the stop time of the workflow run that ended it (the create's run, named by the
 * id, or the capture's, `<id>-capture`) and the stored payment. The API answered after that run: this only
 * reads when it stopped.
 */
const settle = async (context: MixContext, paymentId: string, run = paymentId) => {
  const execution = await context.waitForExecution('payment', run);
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
    const { sentAt, answer } = await createPayment(context, sequence, { payment_method: card(playerCardNumber(sequence)) });
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
    const { merchant, sentAt, answer } = await createPayment(context, sequence, { payment_method: card(playerCardNumber(sequence)), capture_method: 'manual' });
    if (answer.status !== 201) return failed(sentAt, [`create_payment ${describe(answer)}`]);
    const id: string = answer.json.id;
    const unexpected: string[] = [];
    const authorized = AUTHORIZED_OR_OVER.includes(answer.json.status) ? answer.json : await context.waitForPayment(id, (payment) => AUTHORIZED_OR_OVER.includes(payment.status), 60_000);
    if (authorized?.status === 'requires_capture') {
      const amount = sequence % 2 === 0 ? undefined : Math.max(1, Math.floor((answer.json.amount as number) * 0.75));
      const captured = await context.api.call('capture_payment', 'POST', `/v1/payments/${id}/capture`, {
        key: merchant.api_key,
        idempotencyKey: `bench-capture-${sequence}`,
        cause: 'payment',
        run: sequence,
        body: amount === undefined ? {} : { amount_to_capture: amount },
      });
      if (captured.status !== 200) unexpected.push(`capture_payment ${describe(captured)}`);
    } else {
      unexpected.push(`never reached requires_capture (${authorized?.status})`);
    }
    const { terminalAt, payment } = await settle(context, id, `${id}-capture`);
    if (payment?.status !== 'succeeded') unexpected.push(`payment ended ${payment?.status}`);
    return { units: { payments: 1, captures: 1 }, paymentId: id, sentAt, paymentTerminalAt: terminalAt, endedAt: terminalAt, status: payment?.status ?? 'missing', failureCode: payment?.failure?.code ?? null, unexpected };
  },
};

export const partialRefunds: MixEntry = {
  name: 'partial_refunds',
  weight: 15,
  description: 'automatic payment, then two partial refunds (30 % and 20 %), each run by the refund saga',
  run: async (context, sequence) => {
    const { merchant, sentAt, answer } = await createPayment(context, sequence, { payment_method: card(playerCardNumber(sequence)) });
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
          cause: 'payment',
          run: sequence,
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
  description: 'declined by the issuer (decline test cards)',
  run: async (context, sequence) => {
    const { sentAt, answer } = await createPayment(context, sequence, { payment_method: card(DECLINING_CARDS[sequence % DECLINING_CARDS.length] as string) });
    if (answer.status !== 201) return failed(sentAt, [`create_payment ${describe(answer)}`]);
    const { terminalAt, payment } = await settle(context, answer.json.id);
    const unexpected = payment?.status === 'failed' ? [] : [`payment ended ${payment?.status}`];
    return { units: { payments: 1 }, paymentId: answer.json.id, sentAt, paymentTerminalAt: terminalAt, endedAt: terminalAt, status: payment?.status ?? 'missing', failureCode: payment?.failure?.code ?? null, unexpected };
  },
};

interface Funded {
  readonly merchant: MerchantCredentials;
  readonly sentAt: number;
  readonly paymentId: string;
  readonly paymentTerminalAt: number;
  /** What the payment received (minor units of `currency`). */
  readonly gross: number;
}

/**
 * The money a treasury run spends: a card payment in `currency` (an approving card, automatic capture, the
 * real saga), captured, then settled into available funds by the acquirer's webhook. Undefined (with what
 * went wrong in `unexpected`) when the payment did not get there.
 */
const fund = async (context: MixContext, sequence: number, currency: string, unexpected: string[]): Promise<Funded | MixOutcome> => {
  const { merchant, sentAt, answer } = await createPayment(context, sequence, {
    amount: fundingAmount(currency, context.random),
    currency,
    payment_method: card(playerCardNumber(sequence)),
  });
  if (answer.status !== 201) {
    unexpected.push(`create_payment ${describe(answer)}`);
    return failed(sentAt, unexpected);
  }
  const { terminalAt, payment } = await settle(context, answer.json.id);
  const notFunded = (why: string): MixOutcome => {
    unexpected.push(why);
    return { units: { payments: 1 }, paymentId: answer.json.id, sentAt, paymentTerminalAt: terminalAt, endedAt: Date.now(), status: 'not_funded', failureCode: payment?.failure?.code ?? null, unexpected };
  };
  if (payment?.status !== 'succeeded') return notFunded(`funding payment ended ${payment?.status}`);
  if (!(await context.waitForFunds(payment.id, 60_000))) return notFunded(`funding payment ${payment.id} not settled within 60 s`);
  return { merchant, sentAt, paymentId: payment.id, paymentTerminalAt: terminalAt, gross: payment.amountReceived };
};

const isFunded = (value: Funded | MixOutcome): value is Funded => 'gross' in value;

/** A run's own Idempotency-Key for a treasury request. */
const keyFor = (context: MixContext, what: string, sequence: number) => `bench-${what}-${sequence}-${Math.floor(context.random() * 1e12)}`;

/**
 * Treasury runs take their destination (or currency pair) in turn, in the order they start: the pool starts
 * runs in plan order, so a seed gives the same assignment, and any few consecutive payouts cover every rail.
 */
const ordinals = { conversion: 0, payout: 0 };

/**
 * The rotations (conversion pairs, payout destinations), saved and put back around a pass that must not
 * move them: the bench's calibration runs the mix before the window, whose destinations stay as planned.
 */
export const mixRotation = {
  save: (): Readonly<typeof ordinals> => ({ ...ordinals }),
  restore: (saved: Readonly<typeof ordinals>): void => {
    Object.assign(ordinals, saved);
  },
};

export const conversion: MixEntry = {
  name: 'conversion',
  weight: 5,
  description: 'a card payment settles into one balance; 40 % of it is quoted (POST /v1/fx/quotes, MIN_15) and converted into another currency (POST /v1/conversions)',
  run: async (context, sequence) => {
    const pair = CONVERSION_PAIRS[ordinals.conversion++ % CONVERSION_PAIRS.length] as (typeof CONVERSION_PAIRS)[number];
    const funded = await fund(context, sequence, pair.sell, []);
    if (!isFunded(funded)) return funded;
    const unexpected: string[] = [];
    const conversionSentAt = Date.now();
    const quote = await context.api.call('create_fx_quote', 'POST', '/v1/fx/quotes', {
      key: funded.merchant.api_key,
      idempotencyKey: keyFor(context, 'quote', sequence),
      cause: 'conversion',
      run: sequence,
      body: { sell_currency: pair.sell, buy_currency: pair.buy, sell_amount: spendOf(funded.gross), validity: 'MIN_15' },
    });
    const base = { sentAt: funded.sentAt, paymentId: funded.paymentId, paymentTerminalAt: funded.paymentTerminalAt, conversionSentAt };
    if (quote.status !== 201) {
      unexpected.push(`create_fx_quote ${describe(quote)}`);
      return { ...base, units: { payments: 1, quotes: 0, conversions: 0 }, endedAt: Date.now(), status: 'not_quoted', unexpected };
    }
    const converted = await context.api.call('create_conversion', 'POST', '/v1/conversions', {
      key: funded.merchant.api_key,
      idempotencyKey: keyFor(context, 'conversion', sequence),
      cause: 'conversion',
      run: sequence,
      body: { quote_id: quote.json.id },
    });
    const conversionEndedAt = Date.now();
    if (converted.status !== 201) unexpected.push(`create_conversion ${describe(converted)}`);
    else if (converted.json.status !== 'completed') unexpected.push(`conversion ${converted.json.id} is ${converted.json.status}`);
    return {
      ...base,
      units: { payments: 1, quotes: 1, conversions: converted.status === 201 ? 1 : 0 },
      endedAt: conversionEndedAt,
      conversionId: converted.json?.id,
      conversionEndedAt,
      status: converted.status === 201 ? String(converted.json.status) : 'not_converted',
      failureCode: converted.status === 201 ? null : (converted.json?.code ?? null),
      unexpected,
    };
  },
};

export const payout: MixEntry = {
  name: 'payout',
  weight: 10,
  description:
    'a card payment settles into one balance; 40 % of it is paid out to a supplier, the rails in turn (ACH and SEPA files at Meridian, SWIFT and Canadian EFT over Keystone SOAP, PIX and SPEI at Pulse), half converted (source_currency or a quote); one in twenty is refused by the bank, one in twenty returned',
  prepare: (context) => context.beneficiaries.prepare(context.merchants),
  run: async (context, sequence) => {
    const ordinal = ordinals.payout++;
    const destination = PAYOUT_DESTINATIONS[ordinal % PAYOUT_DESTINATIONS.length] as (typeof PAYOUT_DESTINATIONS)[number];
    const currency = BENEFICIARIES[destination.beneficiary].body.currency;
    const scenario = payoutScenario(ordinal);
    const funded = await fund(context, sequence, destination.source, []);
    if (!isFunded(funded)) return funded;
    const unexpected: string[] = [];
    const base = { sentAt: funded.sentAt, paymentId: funded.paymentId, paymentTerminalAt: funded.paymentTerminalAt, payoutDestination: destination.name };
    const beneficiaryId = await context.beneficiaries.get(funded.merchant, destination.beneficiary);
    const spend = spendOf(funded.gross);
    const payoutSentAt = Date.now();
    let amount: Record<string, unknown> = { amount: spend, currency };
    let quotes = 0;
    if (destination.conversion === 'source_currency') amount = { amount: indicativeAmount(spend, destination.source, currency), currency, source_currency: destination.source };
    if (destination.conversion === 'quote') {
      const quote = await context.api.call('create_fx_quote', 'POST', '/v1/fx/quotes', {
        key: funded.merchant.api_key,
        idempotencyKey: keyFor(context, 'payout-quote', sequence),
        cause: 'payout',
        run: sequence,
        body: { sell_currency: destination.source, buy_currency: currency, sell_amount: spend, validity: 'MIN_15' },
      });
      if (quote.status !== 201) {
        unexpected.push(`create_fx_quote ${describe(quote)}`);
        return { ...base, units: { payments: 1, payouts: 0 }, payoutSentAt, endedAt: Date.now(), status: 'not_quoted', unexpected };
      }
      quotes = 1;
      amount = { amount: quote.json.buy_amount, currency, quote_id: quote.json.id };
    }
    const created = await context.api.call('create_payout', 'POST', '/v1/payouts', {
      key: funded.merchant.api_key,
      idempotencyKey: keyFor(context, 'payout', sequence),
      cause: 'payout',
      run: sequence,
      body: { beneficiary_id: beneficiaryId, ...amount, reference: scenario.reference, metadata: { bench_sequence: String(sequence), bench_destination: destination.name } },
    });
    if (created.status !== 201) {
      unexpected.push(`create_payout ${destination.name} ${describe(created)}`);
      return { ...base, units: { payments: 1, payouts: 0, quotes }, payoutSentAt, endedAt: Date.now(), status: 'not_created', failureCode: created.json?.code ?? null, unexpected };
    }
    const id: string = created.json.id;
    const { payout: stored, terminalAt, timedOut } = await context.waitForPayout(id, 180_000, { untilClosed: scenario.expected === 'returned' });
    if (timedOut) unexpected.push(`payout ${id} (${destination.name}) not terminal within 180 s: ${stored?.status}`);
    else if (stored?.status !== scenario.expected) unexpected.push(`payout ${id} (${destination.name}) ended ${stored?.status} (${stored?.failure?.code ?? ''}), expected ${scenario.expected}`);
    return {
      ...base,
      units: { payments: 1, payouts: 1, quotes },
      payoutId: id,
      payoutSentAt,
      payoutTerminalAt: terminalAt,
      endedAt: terminalAt,
      status: stored?.status ?? 'missing',
      failureCode: stored?.failure?.code ?? null,
      unexpected,
    };
  },
};

/**
 * The default mix: card payments (automatic, manual capture, refunds, declines) and the treasury traffic
 * they fund (conversions and payouts, each with its own funding payment).
 */
export const MIX: readonly MixEntry[] = [automaticCapture, manualCapture, partialRefunds, declines, conversion, payout];

/** The smoke run's mix: every entry, in a shape twelve runs follow exactly (three payouts: one per rail channel, same-currency and converted; one conversion). */
export const SMOKE_MIX = 'automatic_capture=3,manual_capture=2,partial_refunds=2,decline=1,conversion=1,payout=3';

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
