import paymentAsl from '../../statemachines/payment.asl.json';
import captureWindowAsl from '../../statemachines/payment-capture-window.asl.json';
import sagaRecoveryAsl from '../../statemachines/saga-recovery.asl.json';
import type { Session } from './api';
import { money, time } from './format';
import { type Asl, layOut } from './graph';
import type { ExecutionJson, LedgerTransactionJson, List, PaymentEventJson, PaymentJson } from './types';
import { RiskDecision } from './risk-review';
import { useApi } from './use-api';

/** The ASL each of a payment's state machines runs (platform/state-machines.ts keys → statemachines/*.asl.json). */
const DEFINITIONS: Readonly<Record<string, Asl>> = {
  payment: paymentAsl as Asl,
  paymentCaptureWindow: captureWindowAsl as Asl,
  sagaRecovery: sagaRecoveryAsl as Asl,
};

/** A payment: its figures, what risk screening decided, its timeline, its executions drawn on their state machines, its ledger transactions. */
export const PaymentPage = ({ session, id }: { session: Session; id: string }) => {
  const payment = useApi<PaymentJson>(session, `/v1/payments/${id}`);
  const events = useApi<List<PaymentEventJson>>(session, `/v1/payments/${id}/events`);
  const executions = useApi<List<ExecutionJson> & { unavailable: { state_machine: string; reason: string }[]; truncated: boolean }>(session, `/v1/payments/${id}/executions`);
  const ledger = useApi<List<LedgerTransactionJson>>(session, `/v1/payments/${id}/ledger_transactions`);
  if (payment.loading) return <p class="muted">Loading…</p>;
  if (payment.error || !payment.value) return <p class="error" data-testid="payment-error">{payment.error}</p>;
  const value = payment.value;
  return (
    <>
      <h1>
        Payment <span class="mono" data-testid="payment-id">{value.id}</span> <span class={`status ${value.status}`} data-testid="payment-status">{value.status}</span>
      </h1>
      <section>
        <table>
          <tbody>
            <tr><th>Merchant</th><td class="mono">{value.merchant_id}</td><th>Amount</th><td>{money(value.amount, value.currency)}</td></tr>
            <tr><th>Received</th><td>{money(value.amount_received, value.currency)}</td><th>Refunded</th><td>{money(value.amount_refunded, value.currency)}</td></tr>
            <tr><th>Capture</th><td>{value.capture_method ?? ''}</td><th>Created</th><td>{time(value.created_at)}</td></tr>
            {value.failure_code && <tr><th>Failure</th><td colSpan={3}>{value.failure_code}</td></tr>}
          </tbody>
        </table>
      </section>
      {value.risk && (
        <section data-testid="risk">
          <h2>Risk screening</h2>
          <RiskDecision risk={value.risk} />
        </section>
      )}
      <section data-testid="timeline">
        <h2>Timeline</h2>
        {events.error && <p class="error">{events.error}</p>}
        <table>
          <tbody>
            {events.value?.data.map((event) => (
              <tr data-testid="timeline-event">
                <td>{time(event.created_at)}</td>
                <td class="mono">{event.type}</td>
                <td class="muted">{summarize(event.data)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section data-testid="executions">
        <h2>Executions</h2>
        {executions.loading && <p class="muted">Loading executions…</p>}
        {executions.error && <p class="error">{executions.error}</p>}
        {executions.value?.unavailable.map((entry) => (
          <p class="muted">{entry.state_machine}: {entry.reason}</p>
        ))}
        {executions.value?.truncated && <p class="muted">Some state machines have more executions since this payment than were read.</p>}
        {executions.value?.data.map((execution) => <Execution execution={execution} />)}
      </section>
      <section data-testid="ledger">
        <h2>Ledger transactions</h2>
        {ledger.error && <p class="error">{ledger.error}</p>}
        {ledger.value && ledger.value.data.length === 0 && <p class="muted">Nothing posted for this payment yet.</p>}
        <table>
          <thead><tr><th>Transaction</th><th>Account</th><th>Debit</th><th>Credit</th></tr></thead>
          <tbody>
            {ledger.value?.data.flatMap((transaction) =>
              transaction.entries.map((entry, index) => (
                <tr data-testid="ledger-entry">
                  <td>{index === 0 && <><span class="mono">{transaction.kind}</span> <span class="muted">{time(transaction.created_at)}</span></>}</td>
                  <td class="mono">{entry.account}</td>
                  <td>{entry.side === 'debit' ? money(entry.amount, entry.currency) : ''}</td>
                  <td>{entry.side === 'credit' ? money(entry.amount, entry.currency) : ''}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </section>
    </>
  );
};

/** A timeline entry's figures, never more than the API gives (it holds no card data). */
const summarize = (data: Record<string, unknown>): string =>
  Object.entries(data)
    .filter(([, value]) => value !== null && typeof value !== 'object')
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');

const Execution = ({ execution }: { execution: ExecutionJson }) => {
  const definition = DEFINITIONS[execution.state_machine];
  return (
    <div data-testid="execution" data-state-machine={execution.state_machine}>
      <h3>
        <span class="mono">{execution.state_machine}</span> · <span class="mono">{execution.name}</span>{' '}
        <span class={`status ${execution.status}`}>{execution.status}</span> <span class="muted">{time(execution.start_date)} → {time(execution.stop_date)}</span>
        {execution.error && <span class="error"> {execution.error}</span>}
      </h3>
      <p class="mono" data-testid="execution-path">{execution.path.map((step) => step.state + (step.errors.length ? ` (${step.errors.join(', ')})` : '')).join(' → ')}</p>
      {definition && <StateMachineGraph definition={definition} path={execution.path} />}
    </div>
  );
};

const StateMachineGraph = ({ definition, path }: { definition: Asl; path: ExecutionJson['path'] }) => {
  const graph = layOut(definition);
  const visited = new Set(path.map((step) => step.state));
  const errored = new Set(path.filter((step) => step.errors.length > 0).map((step) => step.state));
  const taken = new Set(path.slice(1).map((step, index) => `${path[index]?.state}→${step.state}`));
  return (
    <div class="graph">
      <svg width={graph.width} height={graph.height} viewBox={`0 0 ${graph.width} ${graph.height}`} data-testid="execution-graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#9aa3b5" />
          </marker>
        </defs>
        {graph.edges.map((edge) => (
          <polyline
            class={`edge ${taken.has(`${edge.from}→${edge.to}`) ? 'taken' : ''}`}
            data-from={edge.from}
            data-to={edge.to}
            stroke-dasharray={edge.kind === 'catch' ? '4 3' : undefined}
            marker-end="url(#arrow)"
            points={edge.points.map((point) => `${point.x},${point.y}`).join(' ')}
          />
        ))}
        {graph.nodes.map((node) => (
          <g
            class={`node ${errored.has(node.name) ? 'errored' : visited.has(node.name) ? 'visited' : ''}`}
            data-state={node.name}
            data-visited={visited.has(node.name) ? 'true' : 'false'}
            transform={`translate(${node.x - node.width / 2},${node.y - node.height / 2})`}
          >
            <rect width={node.width} height={node.height} rx={node.type === 'Choice' ? 12 : 4} />
            <text x={node.width / 2} y={node.height / 2 + 4} text-anchor="middle">{node.name}</text>
          </g>
        ))}
      </svg>
    </div>
  );
};
