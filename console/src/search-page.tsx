import { useState } from 'preact/hooks';
import type { Session } from './api';
import { money, time } from './format';
import { useApi } from './use-api';

const PAYMENT_STATUSES = ['processing', 'requires_capture', 'succeeded', 'canceled', 'failed', 'requires_attention'];
const PAYOUT_STATUSES = ['pending', 'in_review', 'processing', 'paid', 'failed', 'returned', 'canceled'];

interface Listed {
  readonly id: string;
  readonly merchant_id: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: string;
  readonly created_at?: string;
  readonly created?: string;
}

interface Query {
  readonly kind: 'payments' | 'payouts';
  readonly merchant: string;
  readonly status: string;
}

/** Search by id (opens the object), or list a merchant's payments or payouts by status. */
export const SearchPage = ({ session }: { session: Session }) => {
  const [id, setId] = useState('');
  const [draft, setDraft] = useState<Query>({ kind: 'payments', merchant: '', status: '' });
  const [query, setQuery] = useState<Query | undefined>();
  const [idError, setIdError] = useState<string | undefined>();

  const openId = (event: Event) => {
    event.preventDefault();
    const trimmed = id.trim();
    if (trimmed.startsWith('pay_')) window.location.hash = `#/payments/${trimmed}`;
    else if (trimmed.startsWith('po_')) window.location.hash = `#/payouts/${trimmed}`;
    else setIdError('An id starts with pay_ (payment) or po_ (payout).');
  };

  return (
    <>
      <h1>Search</h1>
      <section>
        <form class="search" onSubmit={openId}>
          <label>
            Payment or payout id
            <input data-testid="search-id" size={36} value={id} onInput={(event) => setId((event.target as HTMLInputElement).value)} placeholder="pay_… or po_…" />
          </label>
          <button type="submit" data-testid="open-id">Open</button>
          {idError && <span class="error">{idError}</span>}
        </form>
      </section>
      <section>
        <form
          class="search"
          onSubmit={(event) => {
            event.preventDefault();
            setQuery({ ...draft, merchant: draft.merchant.trim() });
          }}
        >
          <label>
            Objects
            <select data-testid="search-kind" value={draft.kind} onChange={(event) => setDraft({ ...draft, kind: (event.target as HTMLSelectElement).value as Query['kind'], status: '' })}>
              <option value="payments">payments</option>
              <option value="payouts">payouts</option>
            </select>
          </label>
          <label>
            Merchant id
            <input data-testid="search-merchant" size={32} value={draft.merchant} onInput={(event) => setDraft({ ...draft, merchant: (event.target as HTMLInputElement).value })} placeholder="mer_…" />
          </label>
          <label>
            Status
            <select data-testid="search-status" value={draft.status} onChange={(event) => setDraft({ ...draft, status: (event.target as HTMLSelectElement).value })}>
              <option value="">any</option>
              {(draft.kind === 'payments' ? PAYMENT_STATUSES : PAYOUT_STATUSES).map((status) => (
                <option value={status}>{status}</option>
              ))}
            </select>
          </label>
          <button type="submit" data-testid="search">Search</button>
        </form>
      </section>
      {query && <Results session={session} query={query} />}
    </>
  );
};

const Results = ({ session, query }: { session: Session; query: Query }) => {
  const result = useApi<{ data: Listed[]; has_more: boolean }>(session, `/v1/${query.kind}`, { merchant: query.merchant, status: query.status || undefined, limit: '50' });
  if (result.loading) return <p class="muted">Searching…</p>;
  if (result.error) return <p class="error" data-testid="search-error">{result.error}</p>;
  const rows = result.value?.data ?? [];
  return (
    <section>
      <h2>
        {rows.length} {query.kind}
        {result.value?.has_more ? ' (more: narrow the search)' : ''}
      </h2>
      <table data-testid="search-results">
        <thead>
          <tr><th>Id</th><th>Status</th><th>Amount</th><th>Created</th></tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr>
              <td><a class="mono" href={`#/${query.kind}/${row.id}`}>{row.id}</a></td>
              <td><span class={`status ${row.status}`}>{row.status}</span></td>
              <td>{money(row.amount, row.currency)}</td>
              <td>{time(row.created_at ?? row.created)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};
