import { render } from 'preact';
import { AttentionQueue } from './attention';
import { HealthPanel } from './health';
import { useEffect, useState } from 'preact/hooks';
import { type Connection, type Role, type Session, connect, openSession, signOut } from './api';
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
const ALL_ROLES: Role[] = ['ops_viewer', 'ops_admin'];

const App = () => {
  const [path, setPath] = useState(route());
  const [connection, setConnection] = useState<Connection | undefined>();
  // The role last chosen in this browser, if the operator still has it; else the first offered.
  const [role, setRole] = useState<Role | undefined>((localStorage.getItem(ROLE_KEY) as Role | null) ?? undefined);
  const [session, setSession] = useState<Session | undefined>();
  const [error, setError] = useState<string | undefined>();
  // Locally both roles; in AWS those the operator's groups carry, the preferred one first.
  const roles = connection?.kind === 'aws' ? connection.roles : ALL_ROLES;
  const active = role && roles.includes(role) ? role : roles[0];

  useEffect(() => {
    connect()
      .then((connected) => {
        if (connected?.kind === 'aws' && connected.roles.length === 0) setError('Your account is in no operator group (ops_viewer, ops_admin): ask an administrator.');
        setConnection(connected);
        setPath(route()); // a sign-in's callback put back the route the operator was on
      })
      .catch((failure: unknown) => setError((failure as Error).message));
  }, []);

  useEffect(() => {
    const onHash = () => setPath(route());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (!connection || !active) return;
    localStorage.setItem(ROLE_KEY, active);
    let live = true;
    // The page stays on the session it has until the new role's is open, then swaps it in one render: the pages keep
    // their rows (and what is typed in them) and load once more under the new role (decision 0051).
    openSession(connection, active)
      .then((opened) => {
        if (!live) return opened.close();
        setError(undefined);
        setSession((previous) => {
          previous?.close();
          return opened;
        });
      })
      .catch((failure: unknown) => live && setError((failure as Error).message));
    return () => {
      live = false;
    };
  }, [connection, active]);

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
          {connection?.kind === 'aws' && <span data-testid="operator">{connection.claims.email ?? connection.claims['cognito:username']}</span>}
          <label>
            <select data-testid="role" value={active} onChange={(event) => setRole((event.target as HTMLSelectElement).value as Role)}>
              {roles.map((option) => (
                <option value={option}>{option}</option>
              ))}
            </select>
          </label>
          {session && active && session.role !== active && <span class="muted" data-testid="switching-role">switching…</span>}
          {connection?.kind === 'aws' && (
            <button type="button" data-testid="sign-out" onClick={() => void signOut(connection)}>
              Sign out
            </button>
          )}
        </span>
      </header>
      <main>
        {error && <p class="error">{error}</p>}
        {!session ? (
          <p class="muted">Signing in{active ? ` as ${active}` : ''}…</p>
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
