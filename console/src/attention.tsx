import { useState } from 'preact/hooks';
import { type Session, post } from './api';
import { useDraft } from './drafts';
import { money, time } from './format';
import type { ExecutionJson, List, PaymentJson } from './types';
import { useApi } from './use-api';

/**
 * What needs an operator besides the review queues (decision 0033): Standard workflow executions that
 * failed within the redrive window (GET /v1/executions; an ops_admin redrives one: POST
 * /v1/executions/redrive), open reconciliation breaks (GET /v1/reconciliation/breaks; resolved with a note:
 * POST /v1/reconciliation/breaks/{id}/resolve), and a merchant's payments flagged requires_attention
 * (GET /v1/payments?merchant=&status=requires_attention). Every act is audited by the API.
 */
export const AttentionQueue = ({ session }: { session: Session }) => (
  <>
    <h1>Needs attention</h1>
    <FailedExecutions session={session} />
    <OpenBreaks session={session} />
    <PaymentsRequiringAttention session={session} />
  </>
);

type FailedExecutionJson = ExecutionJson & { readonly redrivable_until: string };

/** The page of the object an execution runs for: executions are named by it (`pay_...-<ms>`, `po_...`). */
const objectLink = (name: string) => {
  const id = /^(pay|po)_[A-Za-z0-9]+/.exec(name)?.[0];
  if (!id) return <span class="mono">{name}</span>;
  return <a class="mono" href={`#/${id.startsWith('pay_') ? 'payments' : 'payouts'}/${id}`}>{name}</a>;
};

const FailedExecutions = ({ session }: { session: Session }) => {
  const [refresh, setRefresh] = useState(0);
  const listed = useApi<List<FailedExecutionJson> & { truncated: boolean }>(session, '/v1/executions', { limit: '50' }, refresh);
  return (
    <section data-testid="failed-executions">
      <h2>Failed workflow executions</h2>
      <p class="muted">Standard executions that failed, timed out or were aborted in the last 14 days; a redrive runs one again from the state that did not finish.</p>
      {listed.loading && <p class="muted">Loading…</p>}
      {listed.error && <p class="error">{listed.error}</p>}
      {listed.value && listed.value.data.length === 0 && <p data-testid="failed-executions-empty">None.</p>}
      {listed.value && listed.value.data.length > 0 && (
        <table>
          <thead><tr><th>State machine</th><th>Execution</th><th>Status</th><th>Stopped in</th><th>Stopped</th><th>Redrivable until</th><th /></tr></thead>
          <tbody>
            {listed.value.data.map((execution) => (
              <FailedExecutionRow session={session} execution={execution} onDone={() => setRefresh(refresh + 1)} />
            ))}
          </tbody>
        </table>
      )}
      {(listed.value?.has_more || listed.value?.truncated) && <p class="muted">More failed executions exist than are shown.</p>}
    </section>
  );
};

const FailedExecutionRow = ({ session, execution, onDone }: { session: Session; execution: FailedExecutionJson; onDone: () => void }) => {
  const [outcome, setOutcome] = useState<{ busy?: boolean; done?: string; error?: string }>({});
  const redrive = async () => {
    setOutcome({ busy: true });
    try {
      const answer = await post<{ redrive_date: string }>(session, '/v1/executions/redrive', { execution_arn: execution.execution_arn });
      setOutcome({ done: `redriven ${time(answer.redrive_date)}` });
      setTimeout(onDone, 2000);
    } catch (failure) {
      setOutcome({ error: (failure as Error).message });
    }
  };
  const last = execution.path.at(-1);
  return (
    <tr data-testid={`failed-execution-${execution.name}`}>
      <td class="mono">{execution.state_machine}</td>
      <td>{objectLink(execution.name)}</td>
      <td><span class={`status ${execution.status}`}>{execution.status}</span> <span class="error">{execution.error}</span></td>
      <td class="mono" data-testid="failed-state">{last ? `${last.state}${last.errors.length ? ` (${last.errors.join(', ')})` : ''}` : ''}</td>
      <td>{time(execution.stop_date)}</td>
      <td>{time(execution.redrivable_until)}</td>
      <td>
        <button data-testid="redrive" disabled={session.role !== 'ops_admin' || outcome.busy || Boolean(outcome.done)} title={session.role === 'ops_admin' ? '' : 'Needs the ops_admin role'} onClick={redrive}>Redrive</button>
        {outcome.done && <span data-testid="redrive-outcome"> {outcome.done}</span>}
        {outcome.error && <span class="error" data-testid="redrive-error"> {outcome.error}</span>}
      </td>
    </tr>
  );
};

interface BreakJson {
  readonly id: string;
  readonly kind: string;
  readonly channel: string;
  readonly batch_id: string;
  readonly reference: string;
  readonly merchant_id: string | null;
  readonly currency: string | null;
  readonly expected_amount: number | null;
  readonly reported_amount: number | null;
  readonly detail: string;
  readonly detected_at: string;
}

const OpenBreaks = ({ session }: { session: Session }) => {
  const [refresh, setRefresh] = useState(0);
  const listed = useApi<List<BreakJson>>(session, '/v1/reconciliation/breaks', { status: 'open', limit: '50' }, refresh);
  return (
    <section data-testid="open-breaks">
      <h2>Open reconciliation breaks</h2>
      {listed.loading && <p class="muted">Loading…</p>}
      {listed.error && <p class="error">{listed.error}</p>}
      {listed.value && listed.value.data.length === 0 && <p data-testid="open-breaks-empty">None.</p>}
      {listed.value?.data.map((found) => <BreakItem key={found.id} session={session} found={found} onDone={() => setRefresh(refresh + 1)} />)}
      {listed.value?.has_more && <p class="muted">More open breaks exist than are shown (oldest first).</p>}
    </section>
  );
};

const BreakItem = ({ session, found, onDone }: { session: Session; found: BreakJson; onDone: () => void }) => {
  const [note, setNote, forgetNote] = useDraft(`break-resolution:${found.id}`);
  const [outcome, setOutcome] = useState<{ busy?: boolean; done?: boolean; error?: string }>({});
  const resolve = async () => {
    setOutcome({ busy: true });
    try {
      await post(session, `/v1/reconciliation/breaks/${found.id}/resolve`, { note: note.trim() });
      forgetNote();
      setOutcome({ done: true });
      setTimeout(onDone, 1500);
    } catch (failure) {
      setOutcome({ error: (failure as Error).message });
    }
  };
  const admin = session.role === 'ops_admin';
  return (
    <div class="item" data-testid={`break-${found.id}`}>
      <p>
        <span class="mono">{found.kind}</span> · {found.channel} batch <span class="mono">{found.batch_id}</span> · <span class="mono">{found.reference}</span>
        {found.merchant_id && <> · merchant <span class="mono">{found.merchant_id}</span></>} · expected {money(found.expected_amount, found.currency) || '—'}, reported{' '}
        {money(found.reported_amount, found.currency) || '—'} <span class="muted">{time(found.detected_at)}</span>
      </p>
      <p class="muted">{found.detail}</p>
      <p>
        <input data-testid="break-note" size={70} maxLength={1000} placeholder="What was found or done (required)" value={note} onInput={(event) => setNote((event.target as HTMLInputElement).value)} />{' '}
        <button data-testid="resolve" disabled={!admin || !note.trim() || outcome.busy || outcome.done} onClick={resolve}>Resolve</button>
        {outcome.done && <span data-testid="resolve-outcome"> resolved</span>}
        {outcome.error && <span class="error"> {outcome.error}</span>}
      </p>
    </div>
  );
};

const PaymentsRequiringAttention = ({ session }: { session: Session }) => {
  const [merchant, setMerchant] = useState('');
  const [asked, setAsked] = useState('');
  return (
    <section data-testid="payments-requiring-attention">
      <h2>Payments requiring attention</h2>
      <form
        class="search"
        onSubmit={(event) => {
          event.preventDefault();
          setAsked(merchant.trim());
        }}
      >
        <label>
          Merchant
          <input data-testid="attention-merchant" placeholder="mer_..." value={merchant} onInput={(event) => setMerchant((event.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" data-testid="attention-search">List</button>
      </form>
      {asked && <AttentionPayments session={session} merchant={asked} />}
    </section>
  );
};

const AttentionPayments = ({ session, merchant }: { session: Session; merchant: string }) => {
  const listed = useApi<List<PaymentJson>>(session, '/v1/payments', { merchant, status: 'requires_attention', limit: '50' });
  if (listed.loading) return <p class="muted">Loading…</p>;
  if (listed.error) return <p class="error">{listed.error}</p>;
  if (!listed.value?.data.length) return <p>None for {merchant}.</p>;
  return (
    <table>
      <tbody>
        {listed.value.data.map((payment) => (
          <tr>
            <td><a class="mono" href={`#/payments/${payment.id}`}>{payment.id}</a></td>
            <td>{money(payment.amount, payment.currency)}</td>
            <td>{time(payment.created_at)}</td>
            <td>{payment.failure_code ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};
