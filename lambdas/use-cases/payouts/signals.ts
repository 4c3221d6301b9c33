import type { PayoutRepository, PayoutSignal, SignalPurpose } from '../../ports/payout-repository';
import type { Delivery, TaskTokens } from '../../ports/workflows';

/**
 * How the outside world (an operator, a rail, the merchant canceling) answers a wait of the payout saga,
 * whichever comes first (docs/decisions/0007-payout-saga-and-rails.md, "Confirmation delivery"):
 *   - the saga's wait stores its task token, then looks for a signal;
 *   - a signal is stored (the first one for a purpose wins), then looks for a token.
 * Both read strongly consistent after writing, so at least one of them sees the other and completes the
 * token; if both do, the second completion finds the task closed (`gone`), which is harmless. A token
 * from before a restart of the saga is gone too: the new run's wait finds the stored signal.
 */
export interface SignalDeps {
  readonly payouts: PayoutRepository;
  readonly tasks: TaskTokens;
  readonly now: () => Date;
}

const complete = (tasks: TaskTokens, token: string, signal: PayoutSignal): Promise<Delivery> =>
  signal.outcome === 'success' ? tasks.resume(token, signal.output) : tasks.abort(token, signal.error, signal.cause);

/**
 * The saga waits (a `.waitForTaskToken` task).
 * 1. Store the token for this purpose (replacing an older run's).
 * 2. If the signal already arrived, complete the token with it now.
 */
export const registerWait = async (
  deps: SignalDeps,
  wait: { readonly payoutId: string; readonly purpose: SignalPurpose; readonly token: string },
): Promise<{ readonly answered: boolean }> => {
  await deps.payouts.putWaitingToken(wait.payoutId, wait.purpose, wait.token, deps.now());
  const signal = await deps.payouts.getSignal(wait.payoutId, wait.purpose);
  if (!signal) return { answered: false };
  await complete(deps.tasks, wait.token, signal);
  return { answered: true };
};

export type NewSignal =
  | { readonly purpose: SignalPurpose; readonly outcome: 'success'; readonly output: Readonly<Record<string, unknown>> }
  | { readonly purpose: SignalPurpose; readonly outcome: 'failure'; readonly error: string; readonly cause: string };

/**
 * Something happened that a wait of the saga is for.
 * 1. Store it, unless a signal for this purpose exists (then that one stands: returned as `stored`).
 * 2. If the saga's token is there, complete it with the stored signal.
 */
export const deliverSignal = async (deps: SignalDeps, payoutId: string, signal: NewSignal): Promise<{ readonly stored: PayoutSignal; readonly delivered: boolean }> => {
  const stored = await deps.payouts.putSignal(payoutId, { ...signal, recordedAt: deps.now().toISOString() } as PayoutSignal);
  const token = await deps.payouts.getWaitingToken(payoutId, signal.purpose);
  if (!token) return { stored, delivered: false };
  return { stored, delivered: (await complete(deps.tasks, token, stored)) === 'delivered' };
};
