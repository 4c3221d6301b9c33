import { PostingRejectedError } from './errors';

/**
 * A position summarizes what the journal holds for one payment, payout or conversion, as counters that
 * every transaction on it moves by a declared delta (a reversal moves them back). It is not stored: it is
 * the fold of the position's own transactions (journal.ts), which are numbered 1, 2, 3... in their
 * position; a posting reads them, checks the business rules against the fold, and writes transaction
 * number version + 1 only if that number is still free, so two postings on one payment are serialized
 * and the rules hold:
 *   payment: refunded ≤ captured ≤ authorized, fee ≤ captured, nothing owed or pending below zero;
 *   payout: released + paid + converted ≤ reserved (in the reserved currency); what a conversion put in
 *           the payout currency (convertedIn) ≥ what was paid of it (convertedPaid);
 *   conversion: converted at most once (sold and bought both set, or both zero).
 * The verifier checks every position's numbering and rules, and that its pinned funds (`held`) are what
 * its counters say.
 */
export const PAYMENT_COUNTERS = [
  'authorized',
  'captured',
  'fee',
  'refunded',
  /** What the channel still owes for this payment (gross captured − netted refunds − settled). */
  'receivable',
  /** Merchant funds from this payment still in pending (net captured − refunds taken from it − settled). */
  'pendingNet',
  /** Gross amount the channel has settled for this payment. */
  'settled',
  /** 1 while the capture's statement line is pending (awaiting settlement), else 0. */
  'captureLinePending',
] as const;
/**
 * A payout's funds are reserved in `currency`; a payout that converts moves them, in one transaction, into
 * `convertedCurrency` (`converted` leaves the reservation in `currency`, `convertedIn` arrives in
 * `convertedCurrency`), and is then paid from there (`convertedPaid`).
 */
export const PAYOUT_COUNTERS = [
  'reserved',
  'released',
  'paid',
  /** Still reserved in `currency`: reserved − released − paid − converted. */
  'outstanding',
  'converted',
  'convertedIn',
  'convertedPaid',
  /** Still reserved in `convertedCurrency`: convertedIn − convertedPaid. */
  'convertedOutstanding',
] as const;
/** A conversion (`cv_...`) between a merchant's balances: what it sold, bought, and the spread earned (bought currency). */
export const CONVERSION_COUNTERS = ['sold', 'bought', 'spread'] as const;
/**
 * A settlement batch of an acquirer (`stlr_...`, derived from the channel and batch id): the fees its report
 * says the acquirer kept, booked once per currency (decision 0018). Owned by the platform, no merchant funds.
 */
export const SETTLEMENT_COUNTERS = ['acquirerFees'] as const;

export type PaymentCounter = (typeof PAYMENT_COUNTERS)[number];
export type PayoutCounter = (typeof PAYOUT_COUNTERS)[number];
export type ConversionCounter = (typeof CONVERSION_COUNTERS)[number];
export type SettlementCounter = (typeof SETTLEMENT_COUNTERS)[number];
export type Counter = PaymentCounter | PayoutCounter | ConversionCounter | SettlementCounter;

export type PositionKind = 'payment' | 'payout' | 'conversion' | 'settlement';
export type PositionDelta = Partial<Record<Counter, number>>;

export interface PositionFields {
  readonly currency: string;
  /** The channel the payment was captured through or the payout rail; settlements and refunds use it. */
  readonly channel: string;
  /** The live capture of a payment (its statement line is moved to `available` at settlement). */
  readonly captureTransactionId: string;
  /** The currency a payout's funds were converted into (set by its conversion; kept after a reversal). */
  readonly convertedCurrency: string;
}

export interface Position extends Partial<PositionFields> {
  readonly id: string;
  readonly kind: PositionKind;
  readonly merchantId: string;
  /** How many transactions the position has (0: none): the next one is number version + 1. */
  readonly version: number;
  readonly counters: Readonly<Partial<Record<Counter, number>>>;
  /**
   * Where the position's pinned funds are (balances.ts): a payment's pending funds, a payout's reserved
   * funds, per `<currency>#<shard>`. Derived from the allocations of its transactions.
   */
  readonly held?: Readonly<Record<string, number>>;
}

export const positionKindOf = (id: string): PositionKind =>
  id.startsWith('po_') ? 'payout' : id.startsWith('cv_') ? 'conversion' : id.startsWith('stlr_') ? 'settlement' : 'payment';

export const emptyPosition = (id: string, merchantId: string): Position => ({
  id,
  kind: positionKindOf(id),
  merchantId,
  version: 0,
  counters: {},
});

export const counter = (position: Position, name: Counter): number => position.counters[name] ?? 0;

/** A delta without its zero counters (and so without -0, which would not survive a round trip through storage). */
export const compactDelta = (delta: PositionDelta): PositionDelta =>
  Object.fromEntries(Object.entries(delta).filter(([, value]) => value !== 0 && value !== undefined)) as PositionDelta;

export const countersOf = (kind: PositionKind): readonly Counter[] =>
  kind === 'payment' ? PAYMENT_COUNTERS : kind === 'payout' ? PAYOUT_COUNTERS : kind === 'settlement' ? SETTLEMENT_COUNTERS : CONVERSION_COUNTERS;

/** Rule violations of a position; empty when valid. */
export const positionProblems = (position: Position): string[] => {
  const problems: string[] = [];
  for (const name of countersOf(position.kind)) {
    const value = counter(position, name);
    if (!Number.isSafeInteger(value)) problems.push(`${name} is ${value}, not an integer`);
    else if (value < 0) problems.push(`${name} is ${value}, below zero`);
  }
  for (const name of Object.keys(position.counters) as Counter[]) {
    if (!countersOf(position.kind).includes(name)) problems.push(`${name} is not a ${position.kind} counter`);
  }
  if (position.kind === 'payment') {
    if (counter(position, 'captured') > counter(position, 'authorized')) problems.push('captured exceeds authorized');
    if (counter(position, 'refunded') > counter(position, 'captured')) problems.push('refunded exceeds captured');
    if (counter(position, 'fee') > counter(position, 'captured')) problems.push('fee exceeds captured');
    if (counter(position, 'captureLinePending') > 1) problems.push('captureLinePending exceeds 1');
  } else if (position.kind === 'payout') {
    const { reserved = 0, released = 0, paid = 0, outstanding = 0, converted = 0, convertedIn = 0, convertedPaid = 0, convertedOutstanding = 0 } = position.counters;
    if (outstanding !== reserved - released - paid - converted) problems.push('outstanding differs from reserved − released − paid − converted');
    if (convertedOutstanding !== convertedIn - convertedPaid) problems.push('convertedOutstanding differs from convertedIn − convertedPaid');
    if ((converted === 0) !== (convertedIn === 0)) problems.push('converted and convertedIn must both be set or both zero');
  } else if (position.kind === 'conversion') {
    const { sold = 0, bought = 0 } = position.counters;
    if ((sold === 0) !== (bought === 0)) problems.push('sold and bought must both be set or both zero');
  }
  return problems;
};

/** The position after a transaction; throws PostingRejectedError if a rule would break. */
export const applyDelta = (
  position: Position,
  delta: PositionDelta,
  fields: Partial<PositionFields>,
  rejection: ConstructorParameters<typeof PostingRejectedError>[0] = 'reversal_not_allowed',
): Position => {
  const counters: Partial<Record<Counter, number>> = { ...position.counters };
  for (const [name, value] of Object.entries(delta) as [Counter, number][]) {
    if (value !== 0) counters[name] = (counters[name] ?? 0) + value;
  }
  const next: Position = { ...position, ...fields, version: position.version + 1, counters };
  const problems = positionProblems(next);
  if (problems.length > 0) {
    throw new PostingRejectedError(rejection, `${position.id}: ${problems.join('; ')}`);
  }
  return next;
};
