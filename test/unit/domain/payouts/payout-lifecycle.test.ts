import { type Payout, cancel, decideReview, failed, paid, returned, submitted, toReview } from '../../../../lambdas/domain/payouts/payout';
import type { PayoutRepository, PayoutSignal, SignalPurpose } from '../../../../lambdas/ports/payout-repository';
import type { Delivery, TaskTokens } from '../../../../lambdas/ports/workflows';
import { deliverSignal, registerWait } from '../../../../lambdas/use-cases/payouts/signals';

/** The payout's status rules, and the handshake between a saga's wait and the signal that answers it. */
const now = new Date('2026-11-21T12:00:00Z');
const pending: Payout = {
  id: 'po_1',
  merchantId: 'mer_1',
  beneficiaryId: 'ben_1',
  amount: 1_000,
  currency: 'CAD',
  sourceAmount: 1_000,
  sourceCurrency: 'CAD',
  quoteId: null,
  rail: 'eft_ca',
  channel: 'keystone',
  reference: 'INV-1',
  description: null,
  metadata: {},
  status: 'pending',
  review: null,
  railReference: null,
  failure: null,
  history: [{ status: 'pending', at: now.toISOString() }],
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  submittedAt: null,
  paidAt: null,
  returnedAt: null,
  canceledAt: null,
  version: 1,
  requestFingerprint: 'f',
};
const review = { reasons: ['sanctions_match' as const], hits: [], listVersion: 'v1', screenedAt: now.toISOString() };

describe('payout status rules', () => {
  it('cancels only before submission, and canceling twice changes nothing', () => {
    const canceled = cancel(pending, now);
    expect(canceled).toMatchObject({ status: 'canceled', version: 2, canceledAt: now.toISOString() });
    expect(cancel(canceled, now)).toBe(canceled);
    expect(cancel(toReview(pending, review, now), now).status).toBe('canceled');
    const processing = submitted(pending, now);
    expect(() => cancel(processing, now)).toThrow(expect.objectContaining({ name: 'PayoutNotCancelableError', status: 'processing' }));
    expect(() => cancel(paid(processing, now), now)).toThrow(expect.objectContaining({ name: 'PayoutNotCancelableError' }));
  });

  it('moves forward only, and a repeated step is a no-op', () => {
    const processing = submitted(pending, now);
    expect(submitted(processing, now)).toBe(processing);
    const done = paid(processing, now);
    expect(paid(done, now)).toBe(done);
    expect(() => paid(pending, now)).toThrow(expect.objectContaining({ name: 'PayoutTransitionError' }));
    expect(() => returned(processing, { code: 'account_closed', message: 'closed' }, now)).toThrow(expect.objectContaining({ name: 'PayoutTransitionError' }));
    const back = returned(done, { code: 'account_closed', message: 'closed' }, now);
    expect(back.history.map((entry) => entry.status)).toEqual(['pending', 'processing', 'paid', 'returned']);
    expect(() => failed(back, { code: 'other', message: 'x' }, now)).toThrow(expect.objectContaining({ name: 'PayoutTransitionError' }));
  });

  it('records an operator\'s decision: approve returns to pending, reject stays for the saga to fail', () => {
    const held = toReview(pending, review, now);
    expect(decideReview(held, 'approve', 'ops.a', null, now)).toMatchObject({ status: 'pending', review: { decision: 'approve', decidedBy: 'ops.a' } });
    expect(decideReview(held, 'reject', 'ops.a', 'match', now)).toMatchObject({ status: 'in_review', review: { decision: 'reject', note: 'match' } });
    expect(() => decideReview(pending, 'approve', 'ops.a', null, now)).toThrow(expect.objectContaining({ name: 'PayoutTransitionError' }));
  });
});

/** Just enough of the repository for the handshake: tokens and signals in maps. */
const memory = () => {
  const tokens = new Map<string, string>();
  const signals = new Map<string, PayoutSignal>();
  const repository = {
    putWaitingToken: async (id: string, purpose: SignalPurpose, token: string) => void tokens.set(`${id}#${purpose}`, token),
    getWaitingToken: async (id: string, purpose: SignalPurpose) => tokens.get(`${id}#${purpose}`),
    putSignal: async (id: string, signal: PayoutSignal) => {
      const key = `${id}#${signal.purpose}`;
      if (!signals.has(key)) signals.set(key, signal);
      return signals.get(key) as PayoutSignal;
    },
    getSignal: async (id: string, purpose: SignalPurpose) => signals.get(`${id}#${purpose}`),
  } as unknown as PayoutRepository;
  const completed: { token: string; outcome: string; detail: unknown }[] = [];
  const open = new Set<string>();
  const tasks: TaskTokens = {
    resume: async (token, output): Promise<Delivery> => {
      if (!open.delete(token)) return 'gone';
      completed.push({ token, outcome: 'success', detail: output });
      return 'delivered';
    },
    abort: async (token, error): Promise<Delivery> => {
      if (!open.delete(token)) return 'gone';
      completed.push({ token, outcome: 'failure', detail: error });
      return 'delivered';
    },
  };
  return { deps: { payouts: repository, tasks, now: () => now }, completed, open };
};

describe('a wait meets its signal, whichever comes first', () => {
  it('the signal first: the wait answers its own token at once', async () => {
    const { deps, completed, open } = memory();
    expect(await deliverSignal(deps, 'po_1', { purpose: 'rail', outcome: 'success', output: { outcome: 'paid' } })).toMatchObject({ delivered: false });
    open.add('token-1');
    expect(await registerWait(deps, { payoutId: 'po_1', purpose: 'rail', token: 'token-1' })).toEqual({ answered: true });
    expect(completed).toEqual([{ token: 'token-1', outcome: 'success', detail: { outcome: 'paid' } }]);
  });

  it('the wait first: the signal completes the stored token; a second, different signal does not override the first', async () => {
    const { deps, completed, open } = memory();
    open.add('token-2');
    expect(await registerWait(deps, { payoutId: 'po_2', purpose: 'review', token: 'token-2' })).toEqual({ answered: false });
    await deliverSignal(deps, 'po_2', { purpose: 'review', outcome: 'failure', error: 'PayoutCanceled', cause: '{}' });
    const late = await deliverSignal(deps, 'po_2', { purpose: 'review', outcome: 'success', output: { decision: 'approve' } });
    expect(late.stored).toMatchObject({ outcome: 'failure', error: 'PayoutCanceled' });
    expect(completed).toEqual([{ token: 'token-2', outcome: 'failure', detail: 'PayoutCanceled' }]);
  });

  it('a restarted saga\'s new token gets the stored answer; the old token is stale and harmless', async () => {
    const { deps, completed, open } = memory();
    open.add('old');
    await registerWait(deps, { payoutId: 'po_3', purpose: 'return', token: 'old' });
    open.delete('old'); // the engine restarted: the old token's task is gone
    await deliverSignal(deps, 'po_3', { purpose: 'return', outcome: 'failure', error: 'PayoutReturned', cause: '{"code":"account_closed"}' });
    open.add('new');
    await registerWait(deps, { payoutId: 'po_3', purpose: 'return', token: 'new' });
    expect(completed).toEqual([{ token: 'new', outcome: 'failure', detail: 'PayoutReturned' }]);
  });
});
