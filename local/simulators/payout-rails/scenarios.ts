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
 *   sim:unavailable:<n>             the first <n> submissions answer 503 / a Server fault (HTTP rails)
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

export interface Scenario {
  readonly behaviour: Behaviour;
  /** Submissions to answer as unavailable before accepting (HTTP rails). */
  readonly unavailableTimes: number;
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
  const unavailableTimes = unavailable ? Number(unavailable[1]) : 0;
  const directive = /sim:(reject|fail|return|delay|silent)(?::([a-z_-]+|\d+))?(?::(\d+))?/.exec(lower);
  if (!directive) return { behaviour: { kind: 'settle' }, unavailableTimes };
  const [, kind, first, second] = directive;
  switch (kind) {
    case 'reject':
      return { behaviour: { kind: 'reject', reason: reasonOf(first) }, unavailableTimes };
    case 'fail':
      return { behaviour: { kind: 'fail', reason: reasonOf(first) }, unavailableTimes };
    case 'return': {
      const afterMs = number(second);
      return { behaviour: { kind: 'return', reason: reasonOf(first), ...(afterMs !== undefined ? { afterMs } : {}) }, unavailableTimes };
    }
    case 'delay': {
      const delayMs = number(first);
      return { behaviour: { kind: 'settle', ...(delayMs !== undefined ? { delayMs } : {}) }, unavailableTimes };
    }
    default:
      return { behaviour: { kind: 'silent' }, unavailableTimes };
  }
};

/** Timings of a rail (ms): how long after acceptance it settles, and after settlement a return comes. */
export interface RailTimings {
  readonly settleDelayMs: number;
  readonly returnDelayMs: number;
}
