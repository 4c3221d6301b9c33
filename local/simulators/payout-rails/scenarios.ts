import { PAYOUT_FAILURE_CODES, type PayoutFailureCode } from '../../../lambdas/domain/payouts/payout';

/**
 * How a payment behaves at a simulated rail, chosen by the payout's `reference` (which every rail carries),
 * so any client (curl, a test, the e2e story) can tell a rail to fail, delay or return a payment without a
 * side channel. Directives, case-insensitive, anywhere in the reference (docs/simulators.md):
 *   sim:reject:<reason>             refused when submitted (SOAP Client fault, HTTP 422; the file rail's
 *                                   acknowledgement rejects it at once)
 *   sim:fail:<reason>               accepted, then rejected by the beneficiary's bank before settlement
 *   sim:return:<reason>[:<ms>]      settled, then returned after <ms> (default: the rail's return delay)
 *   sim:delay:<ms>                  settles <ms> after acceptance instead of the rail's usual delay
 *   sim:unavailable:<n>             the first <n> submissions answer 503 / a Server fault (HTTP rails), and
 *                                   nothing is taken: the payment does not exist until a later submission
 *   sim:ambiguous:<kind>[:<n>]      the rail TAKES the payment, then the answer to the first <n> (default 1)
 *                                   submissions is lost: <kind> is 502, 504, 429 (HTTP statuses without a
 *                                   payment in the body), fault (a SOAP Server fault; Pulse: 500), or hang
 *                                   (no answer at all, the connection held past the client's timeout).
 *                                   A later submission under the same key gets the payment; a lookup finds it
 *   sim:in-use:<ms>                 Pulse: the first request is still being processed for <ms>: it answers
 *                                   504, every submission meanwhile 409 idempotency_key_in_use and a lookup
 *                                   404; then the payment exists (HTTP rails; Keystone takes it at once)
 *   sim:silent                      accepted and never confirmed (drills of an overdue confirmation)
 * <reason> is a platform failure code written with hyphens (account-closed, no-account, invalid-account,
 * account-blocked, beneficiary-deceased, refused-by-bank, limit-exceeded, other): payout references are
 * limited to the SWIFT character set, which has no underscore. Each rail writes its scheme's code for it.
 * Anything else settles after the rail's usual delay.
 */
export type Behaviour =
  | { readonly kind: 'settle'; readonly delayMs?: number }
  | { readonly kind: 'reject'; readonly reason: PayoutFailureCode }
  | { readonly kind: 'fail'; readonly reason: PayoutFailureCode }
  | { readonly kind: 'return'; readonly reason: PayoutFailureCode; readonly afterMs?: number }
  | { readonly kind: 'silent' };

/** How the answer to a submission the rail took is lost (sim:ambiguous). */
export type LostAnswer = '502' | '504' | '429' | 'fault' | 'hang';

export interface Scenario {
  readonly behaviour: Behaviour;
  /** Submissions to answer as unavailable before accepting (HTTP rails). */
  readonly unavailableTimes: number;
  /** The payment is taken, and the answers to the first `times` submissions are lost this way. */
  readonly ambiguous?: { readonly answer: LostAnswer; readonly times: number };
  /** Pulse: the first request stays in processing this long (its key "in use"). */
  readonly inUseMs?: number;
}

/** References carry hyphens (`account-closed`: underscores are outside the SWIFT character set); codes use underscores. */
const reasonOf = (text: string | undefined): PayoutFailureCode => {
  const code = (text ?? '').replace(/-/g, '_');
  return (PAYOUT_FAILURE_CODES as readonly string[]).includes(code) ? (code as PayoutFailureCode) : 'other';
};

const number = (text: string | undefined): number | undefined => (text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : undefined);

export const scenarioOf = (reference: string): Scenario => {
  const lower = reference.toLowerCase();
  const unavailable = /sim:unavailable:(\d{1,2})/.exec(lower);
  const ambiguousMatch = /sim:ambiguous:(502|504|429|fault|hang)(?::(\d{1,2}))?/.exec(lower);
  const inUse = /sim:in-use:(\d{1,6})/.exec(lower);
  const base = {
    unavailableTimes: unavailable ? Number(unavailable[1]) : 0,
    ...(ambiguousMatch ? { ambiguous: { answer: ambiguousMatch[1] as LostAnswer, times: ambiguousMatch[2] === undefined ? 1 : Number(ambiguousMatch[2]) } } : {}),
    ...(inUse ? { inUseMs: Number(inUse[1]) } : {}),
  };
  const directive = /sim:(reject|fail|return|delay|silent)(?::([a-z_-]+|\d+))?(?::(\d+))?/.exec(lower);
  if (!directive) return { behaviour: { kind: 'settle' }, ...base };
  const [, kind, first, second] = directive;
  switch (kind) {
    case 'reject':
      return { ...base, behaviour: { kind: 'reject', reason: reasonOf(first) } };
    case 'fail':
      return { ...base, behaviour: { kind: 'fail', reason: reasonOf(first) } };
    case 'return': {
      const afterMs = number(second);
      return { ...base, behaviour: { kind: 'return', reason: reasonOf(first), ...(afterMs !== undefined ? { afterMs } : {}) } };
    }
    case 'delay': {
      const delayMs = number(first);
      return { ...base, behaviour: { kind: 'settle', ...(delayMs !== undefined ? { delayMs } : {}) } };
    }
    default:
      return { ...base, behaviour: { kind: 'silent' } };
  }
};

/** Timings of a rail (ms): how long after acceptance it settles, and after settlement a return comes. */
export interface RailTimings {
  readonly settleDelayMs: number;
  readonly returnDelayMs: number;
}
