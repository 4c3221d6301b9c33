import {
  type Payout,
  cancel,
  decideReview,
  fundsConverted,
  paid,
  railConflict,
  recordRailAnswer,
  released,
  reservationRefused,
  reserved,
  returned,
  reviewTimedOut,
  submitted,
} from '../../../../lambdas/domain/payouts/payout';
import { type PayoutStep, nextPayoutStep, waitsFor } from '../../../../lambdas/domain/payouts/payout-saga';
import { pendingPayout } from '../../../support/payouts';

/** The payout's status rules, and the next step its workflow takes, decided from the payout alone. */
const now = new Date('2026-11-21T12:00:00Z');
const later = new Date('2026-11-21T12:05:00Z');
const pending: Payout = pendingPayout(now);
const review = { reasons: ['sanctions_match' as const], hits: [], listVersion: 'v1', screenedAt: now.toISOString() };
const clear = { outcome: 'clear' } as const;
const hit = { outcome: 'review', review } as const;
const ready = reserved(pending, clear, now);
const held = reserved(pending, hit, now);
const sent = submitted(ready, 'po_1', now);
const accepted = recordRailAnswer(sent, { status: 'received' }, now);
const closed = { code: 'account_closed' as const, message: 'closed' };

describe('payout status rules', () => {
  it('cancels only before submission, and canceling twice changes nothing', () => {
    const canceled = cancel(pending, now);
    expect(canceled).toMatchObject({ status: 'canceled', version: 2, canceledAt: now.toISOString() });
    expect(cancel(canceled, now)).toBe(canceled);
    expect(cancel(held, now).status).toBe('canceled');
    expect(() => cancel(sent, now)).toThrow(expect.objectContaining({ name: 'PayoutNotCancelableError', status: 'processing' }));
    expect(() => cancel(paid(sent, now), now)).toThrow(expect.objectContaining({ name: 'PayoutNotCancelableError' }));
  });

  it('moves forward only, and a repeated step is a no-op', () => {
    expect(submitted(sent, 'po_1', now)).toBe(sent);
    expect(sent).toMatchObject({ status: 'processing', railReference: 'po_1', submittedAt: now.toISOString() });
    const done = paid(accepted, now);
    expect(paid(done, now)).toBe(done);
    expect(done.funds).toBe('paid');
    expect(() => paid(pending, now)).toThrow(expect.objectContaining({ name: 'PayoutTransitionError' }));
    expect(() => returned(sent, closed, now)).toThrow(expect.objectContaining({ name: 'PayoutTransitionError' }));
    const back = returned(done, closed, now);
    expect(back).toMatchObject({ status: 'returned', funds: 'released', failure: closed });
    expect(back.history.map((entry) => entry.status)).toEqual(['pending', 'processing', 'paid', 'returned']);
  });

  it('records the reservation and the screening in one change; a hit holds the payout in its review wait, out of flight', () => {
    expect(ready).toMatchObject({ status: 'pending', funds: 'reserved', screenedAt: now.toISOString(), version: 2, inFlightSince: now.toISOString() });
    expect(held).toMatchObject({ status: 'in_review', funds: 'reserved', waiting: 'review', version: 2, inFlightSince: null, review: { reasons: ['sanctions_match'], decision: null } });
    expect(reserved(ready, clear, later)).toBe(ready);
    // A cancel that came first: the reservation is still recorded, for the release to give back.
    expect(reserved(cancel(pending, now), hit, later)).toMatchObject({ status: 'canceled', funds: 'reserved', review: null });
    expect(accepted).toMatchObject({ railStatus: 'received', waiting: 'confirmation', inFlightSince: null });
  });

  it("records an operator's decision once: approve returns to pending, reject notes the failure for the workflow to release; a timeout claims an undecided review", () => {
    const approved = decideReview(held, 'approve', 'ops.a', null, later);
    expect(approved).toMatchObject({ status: 'pending', waiting: null, review: { decision: 'approve', decidedBy: 'ops.a' }, inFlightSince: later.toISOString() });
    expect(decideReview(approved, 'approve', 'ops.a', null, later)).toBe(approved);
    const rejected = decideReview(held, 'reject', 'ops.a', 'match', later);
    expect(rejected).toMatchObject({ status: 'in_review', review: { decision: 'reject', note: 'match' }, failure: { code: 'rejected_in_review' } });
    expect(() => decideReview(rejected, 'approve', 'ops.b', null, later)).toThrow(expect.objectContaining({ name: 'PayoutTransitionError' }));
    expect(() => decideReview(pending, 'approve', 'ops.a', null, now)).toThrow(expect.objectContaining({ name: 'PayoutTransitionError' }));
    const timedOut = reviewTimedOut(held, later);
    expect(timedOut.failure).toMatchObject({ code: 'review_timeout' });
    expect(() => decideReview(timedOut, 'approve', 'ops.a', null, later)).toThrow(expect.objectContaining({ name: 'PayoutTransitionError' }));
    expect(reviewTimedOut(approved, later)).toBe(approved);
  });

  it('releases canceled or failed payouts, and a refused reservation fails with nothing held', () => {
    expect(released(cancel(ready, now), now)).toMatchObject({ status: 'canceled', funds: 'released', inFlightSince: null });
    const rejected = recordRailAnswer(sent, { status: 'failed', failure: { code: 'invalid_account', message: 'bad' } }, now);
    expect(released(rejected, now)).toMatchObject({ status: 'failed', funds: 'released', failure: { code: 'invalid_account' }, inFlightSince: null });
    expect(reservationRefused(pending, now)).toMatchObject({ status: 'failed', funds: 'none', failure: { code: 'insufficient_funds' }, inFlightSince: null });
    expect(reservationRefused(ready, now).status).toBe('pending');
  });

  it('keeps the time the payout went in flight while it moves on, and clears it when a wait holds it or it is done', () => {
    expect(submitted(reserved(pending, clear, later), 'po_1', later).inFlightSince).toBe(now.toISOString());
    expect(accepted.inFlightSince).toBeNull();
    expect(recordRailAnswer(accepted, { status: 'paid' }, later).inFlightSince).toBe(later.toISOString());
  });
});

describe("what a rail says, recorded only when it goes further and never when it contradicts", () => {
  it.each([
    ['a repeated confirmation', 'paid', 'paid', false],
    ['a late "received" after "paid"', 'paid', 'received', false],
    ['a return after the payment', 'paid', 'returned', true],
    ['a return before the payment was confirmed (it implies it)', 'received', 'returned', true],
    ['a rejection of a payment taken', 'received', 'failed', true],
  ] as const)('%s', (_case, before, answer, recorded) => {
    const payout = recordRailAnswer(sent, before === 'received' ? { status: 'received' } : { status: 'paid' }, now);
    const next = recordRailAnswer(payout, answer === 'failed' || answer === 'returned' ? { status: answer, failure: closed } : { status: answer }, later);
    expect(next !== payout).toBe(recorded);
  });

  it('calls paid after a released failure, and failed after a payment, a conflict', () => {
    const released_ = released(recordRailAnswer(sent, { status: 'failed', failure: closed }, now), now);
    expect(railConflict(released_, 'paid')).toBe(true);
    expect(railConflict(paid(accepted, now), 'failed')).toBe(true);
    expect(railConflict(accepted, 'paid')).toBe(false);
    expect(railConflict(returned(paid(accepted, now), closed, now), 'paid')).toBe(false);
  });
});

describe('nextPayoutStep', () => {
  const converting = reserved({ ...pending, quoteId: 'qt_1' }, clear, now);
  const cases: [string, Payout, PayoutStep, Parameters<typeof nextPayoutStep>[1]?][] = [
    ['created', pending, 'reserve'],
    ['held, not screened (a step that died halfway)', { ...pending, funds: 'reserved' }, 'reserve'],
    ['held and screened, same currency', ready, 'submit'],
    ['held and screened, converting', converting, 'convert'],
    ['converted', fundsConverted(converting, now), 'submit'],
    ['held for review, in its wait', held, 'waiting'],
    ['held for review when the wait expires', held, 'release', 'expire'],
    ['rejected in review', decideReview(held, 'reject', 'ops', null, now), 'release'],
    ['approved in review', decideReview(held, 'approve', 'ops', null, now), 'submit'],
    ['sent, the answer unknown', sent, 'submit'],
    ['taken by the rail, in its confirmation wait', accepted, 'waiting'],
    ['confirmed paid', recordRailAnswer(accepted, { status: 'paid' }, now), 'settle'],
    ['returned before the payment was confirmed', recordRailAnswer(accepted, { status: 'returned', failure: closed }, now), 'settle'],
    ['rejected by the rail', recordRailAnswer(sent, { status: 'failed', failure: closed }, now), 'release'],
    ['paid', paid(accepted, now), 'done'],
    ['paid, then returned', recordRailAnswer(paid(accepted, now), { status: 'returned', failure: closed }, now), 'release'],
    ['returned and restored', returned(paid(accepted, now), closed, now), 'done'],
    ['canceled holding funds', cancel(ready, now), 'release'],
    ['canceled before the reservation', cancel(pending, now), 'done'],
    ['failed and released', released(recordRailAnswer(sent, { status: 'failed', failure: closed }, now), now), 'done'],
  ];
  for (const [name, payout, step, action] of cases) {
    it(`${name} → ${step}`, () => {
      expect(nextPayoutStep(payout, action)).toBe(step);
    });
  }

  it('a final payout has nothing to submit whatever the action (nothing is ever sent for it again)', () => {
    const finals = [paid(accepted, now), returned(paid(accepted, now), closed, now), released(cancel(ready, now), now), reservationRefused(pending, now)];
    for (const payout of finals) for (const action of ['create', 'resume', 'review', 'rail', 'cancel', 'expire'] as const) expect(nextPayoutStep(payout, action)).not.toBe('submit');
  });

  it('says whether a wait goes on waiting (also while the step that opened it has not recorded it yet)', () => {
    expect(waitsFor(accepted, 'confirmation')).toBe(true);
    expect(waitsFor(sent, 'confirmation')).toBe(true);
    expect(waitsFor(paid(accepted, now), 'confirmation')).toBe(false);
    expect(waitsFor(recordRailAnswer(accepted, { status: 'failed', failure: closed }, now), 'confirmation')).toBe(false);
    expect(waitsFor(held, 'review')).toBe(true);
    expect(waitsFor(pending, 'review')).toBe(true);
    expect(waitsFor(ready, 'review')).toBe(false);
    expect(waitsFor(cancel(held, now), 'review')).toBe(false);
    expect(waitsFor(decideReview(held, 'reject', 'ops', null, now), 'review')).toBe(false);
  });
});
