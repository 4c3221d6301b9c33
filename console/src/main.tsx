import { render } from 'preact';
import { AttentionQueue } from './attention';
import { HealthPanel } from './health';
import { useEffect, useState } from 'preact/hooks';
import { type Role, type Session, openSession } from './api';
import { PaymentPage } from './payment-page';
import { ReviewQueue } from './review-queue';
import { RiskReviewQueue } from './risk-review';
import { SearchPage } from './search-page';
import { PayoutPage } from './payout-page';

/**
 * The ops console: search payments and payouts, a payment's page (timeline, executions drawn on their
 * state machines, ledger, risk decision), a payout's page, the queue of payouts held for review and the
 * queue of payments risk screening sent to review, and what else needs attention (failed workflow
 * executions to redrive, open reconciliation breaks, payments requiring attention), and the platform's live
 * health (payments/s, authorization rate, latency, errors). Hash routes, so the
 * whole app is two static files under /console/.
 */
const route = (): string[] => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);

const ROLE_KEY = 'xborder-console-role';

const App = () => {
  const [path, setPath] = useState(route());
  const [role, setRole] = useState<Role>((localStorage.getItem(ROLE_KEY) as Role | null) ?? 'ops_viewer');
  const [session, setSession] = useState<Session | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const onHash = () => setPath(route());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    localStorage.setItem(ROLE_KEY, role);
    setSession(undefined);
    openSession(role)
      .then(setSession)
      .catch((failure: unknown) => setError((failure as Error).message));
  }, [role]);

  const [page = 'search', id] = path;
  const link = (target: string, label: string) => (
    <a href={`#/${target}`} class={page === target ? 'active' : ''}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <strong>xborder ops</strong>
        {link('search', 'Search')}
        {link('review', 'Payouts in review')}
        {link('risk-review', 'Payments in risk review')}
        {link('attention', 'Needs attention')}
        {link('health', 'Health')}
        <span class="identity">
          <label>
            <select data-testid="role" value={role} onChange={(event) => setRole((event.target as HTMLSelectElement).value as Role)}>
              <option value="ops_viewer">ops_viewer</option>
              <option value="ops_admin">ops_admin</option>
            </select>
          </label>
        </span>
      </header>
      <main>
        {error && <p class="error">{error}</p>}
        {!session ? (
          <p class="muted">Signing in as {role}…</p>
        ) : page === 'payments' && id ? (
          <PaymentPage session={session} id={id} />
        ) : page === 'payouts' && id ? (
          <PayoutPage session={session} id={id} />
        ) : page === 'review' ? (
          <ReviewQueue session={session} />
        ) : page === 'risk-review' ? (
          <RiskReviewQueue session={session} />
        ) : page === 'attention' ? (
          <AttentionQueue session={session} />
        ) : page === 'health' ? (
          <HealthPanel session={session} />
        ) : (
          <SearchPage session={session} />
        )}
      </main>
    </>
  );
};

render(<App />, document.getElementById('app') as HTMLElement);
