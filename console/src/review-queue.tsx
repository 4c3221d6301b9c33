import { useState } from 'preact/hooks';
import { type Session, post } from './api';
import { useDraft } from './drafts';
import { money, time } from './format';
import type { List, PayoutJson } from './types';
import { useApi } from './use-api';

/**
 * Payouts held for review, oldest first (GET /v1/payouts?status=in_review), each with what screening
 * matched; an ops_admin approves or rejects with a note (POST /v1/payouts/{id}/review, audited).
 */
export const ReviewQueue = ({ session }: { session: Session }) => {
  const [refresh, setRefresh] = useState(0);
  const queue = useApi<List<PayoutJson>>(session, '/v1/payouts', { status: 'in_review', limit: '50' }, refresh);
  return (
    <>
      <h1>Payouts in review</h1>
      {queue.loading && <p class="muted">Loading…</p>}
      {queue.error && <p class="error">{queue.error}</p>}
      {queue.value && queue.value.data.length === 0 && <p data-testid="review-empty">Nothing waits for a decision.</p>}
      {queue.value?.data.map((payout) => (
        <ReviewItem key={payout.id} session={session} payout={payout} onDecided={() => setRefresh(refresh + 1)} />
      ))}
    </>
  );
};

const ReviewItem = ({ session, payout, onDecided }: { session: Session; payout: PayoutJson; onDecided: () => void }) => {
  const [note, setNote, forgetNote] = useDraft(`payout-review:${payout.id}`);
  const [outcome, setOutcome] = useState<{ error?: string; status?: string; busy?: boolean }>({});
  const decide = async (decision: 'approve' | 'reject') => {
    setOutcome({ busy: true });
    try {
      const decided = await post<PayoutJson>(session, `/v1/payouts/${payout.id}/review`, { decision, ...(note.trim() ? { note: note.trim() } : {}) });
      forgetNote();
      setOutcome({ status: decided.status });
      setTimeout(onDecided, 1500);
    } catch (failure) {
      setOutcome({ error: (failure as Error).message });
    }
  };
  const admin = session.role === 'ops_admin';
  return (
    <section data-testid={`review-${payout.id}`}>
      <h2>
        <a class="mono" href={`#/payouts/${payout.id}`}>{payout.id}</a> · {money(payout.amount, payout.currency)} by {payout.rail} · merchant{' '}
        <span class="mono">{payout.merchant_id}</span>
      </h2>
      <p>
        Held {time(payout.created_at)} for: {payout.review?.reasons.join(', ') || 'review'}
      </p>
      {payout.review && payout.review.hits.length > 0 && (
        <table>
          <thead><tr><th>Sanctions entry</th><th>Matched name</th><th>Score</th><th>Programs</th></tr></thead>
          <tbody>
            {payout.review.hits.map((hit) => (
              <tr><td class="mono">{hit.entryId}</td><td>{hit.matchedName}</td><td>{hit.score}</td><td>{hit.programs.join(', ')}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <label>
          Note (kept with the decision and in the audit log)
          <textarea data-testid="review-note" rows={2} cols={70} maxLength={1000} value={note} onInput={(event) => setNote((event.target as HTMLTextAreaElement).value)} />
        </label>
      </p>
      <p>
        <button class="approve" data-testid="approve" disabled={!admin || outcome.busy || Boolean(outcome.status)} onClick={() => decide('approve')}>Approve</button>{' '}
        <button class="reject" data-testid="reject" disabled={!admin || outcome.busy || Boolean(outcome.status)} onClick={() => decide('reject')}>Reject</button>{' '}
        {!admin && <span class="muted">Deciding needs the ops_admin role.</span>}
        {outcome.status && <span data-testid="review-outcome">Decided: the payout is now <span class={`status ${outcome.status}`}>{outcome.status}</span></span>}
        {outcome.error && <span class="error">{outcome.error}</span>}
      </p>
    </section>
  );
};
