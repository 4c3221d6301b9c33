import { useState } from 'preact/hooks';
import { type Session, post } from './api';
import { useDraft } from './drafts';
import { money, time } from './format';
import type { List, PaymentJson } from './types';
import { useApi } from './use-api';

/**
 * Payments risk screening sent to review, oldest first (GET /v1/payments without a merchant: the risk review
 * queue, decision 0026), each with what screening decided: the score, the rules that matched and the rule
 * set version. An ops_admin approves (the payment stands) or refunds it in full as fraudulent, with a note
 * (POST /v1/payments/{id}/review, audited as `payment.review`).
 */
export const RiskReviewQueue = ({ session }: { session: Session }) => {
  const [refresh, setRefresh] = useState(0);
  const queue = useApi<List<PaymentJson>>(session, '/v1/payments', { limit: '50' }, refresh);
  return (
    <>
      <h1>Payments in risk review</h1>
      {queue.loading && <p class="muted">Loading…</p>}
      {queue.error && <p class="error">{queue.error}</p>}
      {queue.value && queue.value.data.length === 0 && <p data-testid="risk-review-empty">Nothing waits for a decision.</p>}
      {queue.value?.data.map((payment) => (
        <RiskReviewItem key={payment.id} session={session} payment={payment} onDecided={() => setRefresh(refresh + 1)} />
      ))}
      {queue.value?.has_more && <p class="muted">More payments wait than are shown: decide these first.</p>}
    </>
  );
};

const RiskReviewItem = ({ session, payment, onDecided }: { session: Session; payment: PaymentJson; onDecided: () => void }) => {
  const [note, setNote, forgetNote] = useDraft(`payment-review:${payment.id}`);
  const [outcome, setOutcome] = useState<{ error?: string; decided?: string; busy?: boolean }>({});
  const decide = async (decision: 'approve' | 'refund') => {
    setOutcome({ busy: true });
    try {
      const decided = await post<PaymentJson & { refund: { id: string; status: string } | null }>(session, `/v1/payments/${payment.id}/review`, {
        decision,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      forgetNote();
      setOutcome({ decided: decided.refund ? `refunded (${decided.refund.id} ${decided.refund.status})` : (decided.risk?.review?.decision ?? decision) });
      setTimeout(onDecided, 1500);
    } catch (failure) {
      setOutcome({ error: (failure as Error).message });
    }
  };
  const admin = session.role === 'ops_admin';
  const risk = payment.risk;
  return (
    <section data-testid={`risk-review-${payment.id}`}>
      <h2>
        <a class="mono" href={`#/payments/${payment.id}`}>{payment.id}</a> · {money(payment.amount, payment.currency)} · merchant{' '}
        <span class="mono">{payment.merchant_id}</span> <span class={`status ${payment.status}`}>{payment.status}</span>
      </h2>
      <p class="muted">Created {time(payment.created_at)}; captured {money(payment.amount_received, payment.currency)}</p>
      {risk && <RiskDecision risk={risk} />}
      <p>
        <label>
          Note (kept with the decision and in the audit log)
          <textarea data-testid="risk-review-note" rows={2} cols={70} maxLength={1000} value={note} onInput={(event) => setNote((event.target as HTMLTextAreaElement).value)} />
        </label>
      </p>
      <p>
        <button class="approve" data-testid="risk-approve" disabled={!admin || outcome.busy || Boolean(outcome.decided)} onClick={() => decide('approve')}>Approve</button>{' '}
        <button class="reject" data-testid="risk-refund" disabled={!admin || outcome.busy || Boolean(outcome.decided)} onClick={() => decide('refund')}>Decline: refund in full</button>{' '}
        {!admin && <span class="muted">Deciding needs the ops_admin role.</span>}
        {outcome.decided && <span data-testid="risk-review-outcome">Decided: {outcome.decided}</span>}
        {outcome.error && <span class="error" data-testid="risk-review-error">{outcome.error}</span>}
      </p>
    </section>
  );
};

/** Risk screening's decision on a payment: the score, each rule that matched, the rule set version, and an operator's decision. */
export const RiskDecision = ({ risk }: { risk: NonNullable<PaymentJson['risk']> }) => (
  <table data-testid="risk-decision">
    <tbody>
      <tr>
        <th>Risk decision</th><td><span class={`status risk-${risk.decision}`} data-testid="risk-decision-value">{risk.decision}</span> score <strong data-testid="risk-score">{risk.score}</strong></td>
        <th>Rule set</th><td class="mono">{risk.rules ?? 'before versioned rules'}</td>
      </tr>
      <tr>
        <th>Rules hit</th>
        <td colSpan={3} data-testid="risk-rules-hit">{risk.reasons.length ? risk.reasons.map((reason) => <span class="mono chip">{reason}</span>) : <span class="muted">none</span>}</td>
      </tr>
      {risk.review && (
        <tr>
          <th>Review</th>
          <td colSpan={3} data-testid="risk-review-record">
            {risk.review.decision} by <span class="mono">{risk.review.by}</span> at {time(risk.review.at)}{risk.review.note ? `: ${risk.review.note}` : ''}
          </td>
        </tr>
      )}
    </tbody>
  </table>
);
