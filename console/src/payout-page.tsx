import type { Session } from './api';
import { money, time } from './format';
import type { PayoutJson } from './types';
import { useApi } from './use-api';

/** A payout (GET /v1/payouts/{id}) with its review record: what screening matched and who decided. */
export const PayoutPage = ({ session, id }: { session: Session; id: string }) => {
  const payout = useApi<PayoutJson>(session, `/v1/payouts/${id}`);
  if (payout.loading) return <p class="muted">Loading…</p>;
  if (payout.error || !payout.value) return <p class="error">{payout.error}</p>;
  const value = payout.value;
  return (
    <>
      <h1>
        Payout <span class="mono">{value.id}</span> <span class={`status ${value.status}`} data-testid="payout-status">{value.status}</span>
      </h1>
      <section>
        <table>
          <tbody>
            <tr><th>Merchant</th><td class="mono">{value.merchant_id}</td></tr>
            <tr><th>Amount</th><td>{money(value.amount, value.currency)}</td></tr>
            <tr><th>Rail</th><td>{value.rail}</td></tr>
            <tr><th>Beneficiary</th><td class="mono">{value.beneficiary_id}</td></tr>
            <tr><th>Created</th><td>{time(value.created_at)}</td></tr>
            {value.failure_code && <tr><th>Failure</th><td>{value.failure_code}</td></tr>}
          </tbody>
        </table>
      </section>
      {value.review && (
        <section data-testid="payout-review">
          <h2>Review</h2>
          <p>Reasons: {value.review.reasons.join(', ')}</p>
          <p>
            Decision: {value.review.decision ?? 'waiting'}
            {value.review.decidedBy && ` by ${value.review.decidedBy} at ${time(value.review.decidedAt)}`}
          </p>
          {value.review.note && <p>Note: {value.review.note}</p>}
        </section>
      )}
    </>
  );
};
