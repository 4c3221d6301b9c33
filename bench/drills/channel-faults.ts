import { stateMachines } from '../../platform/state-machines';
import { type PathStep, loadDefinition, pathDeadline } from '../lib/deadline';
import { ApiClient, pool, seededRandom, sleep } from '../lib/http';
import { card, pickAmount } from '../lib/mix';
import type { BenchPlatform } from '../lib/platform';
import {
  type DrillResult,
  TERMINAL,
  checkAgainstAcquirer,
  drillResult,
  ledgerDifferences,
  listAllPayments,
  setSimulatorFaults,
  simulatorTotals,
} from './common';

/**
 * Channel faults: both acquirer simulators answer a share of requests 503 (`errorRate`) and record
 * another share but hold the answer past the client's timeout (`timeoutRate`, the ambiguous outcome),
 * on every operation: authorizations, captures, voids, refunds. A batch of automatic, manual-capture and
 * refunded payments runs through it. Expected: every payment terminal within its deadline, computed from
 * the workflows' Retry policies and timeouts (bench/lib/deadline.ts); no payment requires attention; money at
 * the acquirers agrees with every payment (a failed payment holds and keeps nothing: its compensation was
 * done; a refund is at the acquirer exactly when the payment says so); the ledger verifier is clean.
 * A payment that is not the capture-refusing card's succeeds, or fails with `processing_error` because its
 * authorization kept failing at every channel of its route through its whole retry budget (the workflow's
 * design: ReleaseAfterFailure asks and ends it, nothing charged). At the default rates that needs about three
 * failed attempts in a row after a failover (0.3³ after a 0.2 chance of moving): under 1 % of payments, at
 * random (the draws are seeded, the order of requests is not), seen once in a default run: counted as
 * `failed_by_faults`, a violation only past a quarter of the payments (the platform then fails what it should
 * carry through).
 */
export interface ChannelFaultOptions {
  readonly payments: number;
  readonly concurrency: number;
  readonly errorRate: number;
  readonly timeoutRate: number;
  /** The card channel client's timeout (<CHANNEL>_TIMEOUT_MS), set before the platform starts. */
  readonly channelTimeoutMs: number;
  /** Seeds the amounts and the acquirers' fault draws. */
  readonly seed: number;
}

/**
 * Deadlines in seconds, from the ASL, for a channel whose every call may fail up to its retry budget. One
 * run of the payment workflow (Express) meets the faults at the authorization, the capture and a
 * compensation; a run that still fails hands the payment over to the recovery (Standard), whose first run
 * starts at once and whose next one waits the recovery policy's first pause: three runs and that pause
 * bound a payment's time to terminal. The same for a refund.
 */
export const channelFaultDeadlines = (channelTimeoutMs: number) => {
  const payment = loadDefinition(stateMachines.payment.definitionFile);
  const refund = loadDefinition(stateMachines.refund.definitionFile);
  const recovery = loadDefinition(stateMachines.sagaRecovery.definitionFile);
  // An attempt at the channel ends when the client gives up (its timeout), plus a second of handler work.
  const channel = (state: string): PathStep => ({ state, error: 'ChannelUnavailable', failures: 2, attemptSeconds: channelTimeoutMs / 1000 + 1 });
  const paymentRun = pathDeadline(payment, [{ state: 'Screen' }, channel('Authorize'), channel('Capture'), { state: 'PostToLedger' }, channel('ReleaseAfterFailure')]);
  const refundRun = pathDeadline(refund, [{ state: 'PostRefundToLedger' }, channel('RefundAtChannel'), { state: 'ReverseRefundPosting' }, { state: 'FailRefund' }]);
  const firstPause = recovery.States.ResumePayment?.Retry?.[0]?.IntervalSeconds ?? 0;
  const withRecovery = (run: number) => 3 * run + firstPause;
  return {
    /** Request sent → requires_capture (manual), or → terminal (automatic). */
    authorization_seconds: withRecovery(paymentRun.seconds),
    /** The merchant's capture request → terminal, compensation included. */
    capture_seconds: withRecovery(paymentRun.seconds),
    automatic_seconds: withRecovery(paymentRun.seconds),
    refund_seconds: withRecovery(refundRun.seconds),
    channel_attempt_seconds: channelTimeoutMs / 1000 + 1,
    steps: { payment_run: paymentRun.steps, refund_run: refundRun.steps, recovery_first_pause_seconds: firstPause },
  };
};

type Kind = 'automatic' | 'manual' | 'refunded' | 'capture_fails';

export const channelFaultsDrill = async (platform: BenchPlatform, options: ChannelFaultOptions): Promise<DrillResult> => {
  const started = Date.now();
  const api = new ApiClient(() => platform.runtime.apiUrl);
  const merchant = platform.runtime.merchants[0];
  if (!merchant) throw new Error('no demo merchant');
  const deadlines = channelFaultDeadlines(options.channelTimeoutMs);
  // The seed, and the clock to keep keys apart from another run's on the same platform.
  const run = `${options.seed}-${Date.now().toString(36)}`;
  // Every tenth payment uses the acquirer's capture-refusing test card: its saga must void the
  // authorization (a compensation) through the same faults. The demo merchant's risk rule set lets a card be
  // reused (local/seed.ts; the platform's defaults would decline its sixth use in ten minutes), so all of them
  // reach the acquirer.
  const kinds: Kind[] = Array.from({ length: options.payments }, (_, index) => (index % 10 === 9 ? 'capture_fails' : index % 5 === 3 ? 'manual' : index % 5 === 4 ? 'refunded' : 'automatic'));
  const channels = platform.runtime.cardChannels;
  await setSimulatorFaults(channels, options.errorRate, options.timeoutRate, options.seed);

  const violations: string[] = [];
  let serverErrors = 0;
  const elapsed: Record<Kind | 'refund', number[]> = { automatic: [], manual: [], refunded: [], capture_fails: [], refund: [] };
  let stuck = 0;
  const requestedRefunds = new Map<string, number>();
  const refundOutcomes: Record<string, number> = {};

  /** When the payment ended (its last write), or undefined when it has not by the deadline. */
  const paymentEndBy = async (id: string, deadlineAt: number) => {
    const payment = await platform.waitForPayment(id, (current) => TERMINAL.includes(current.status), Math.max(0, deadlineAt - Date.now()));
    return payment && TERMINAL.includes(payment.status) ? { stoppedAt: Date.parse(payment.updatedAt) } : undefined;
  };
  const refundEndBy = async (id: string, deadlineAt: number) => {
    for (;;) {
      const refund = await platform.refund(id);
      if (refund && refund.status !== 'pending') return { stoppedAt: Date.parse(refund.updatedAt) };
      if (Date.now() > deadlineAt) return undefined;
      await sleep(100);
    }
  };
  const answerOk = (label: string, status: number, text: string, expected: number) => {
    if (status >= 500) serverErrors += 1;
    if (status !== expected) violations.push(`${label}: answered ${status} ${text.slice(0, 160)}`);
    return status === expected;
  };

  const next = seededRandom(options.seed);
  await pool(kinds, options.concurrency, async (kind, index) => {
    const sentAt = Date.now();
    const created = await api.call('fault_create', 'POST', '/v1/payments', {
      key: merchant.api_key,
      idempotencyKey: `faults-${run}-${index}`,
      body: {
        ...pickAmount(next),
        payment_method: card(kind === 'capture_fails' ? '4000000000000259' : index % 2 ? '5555555555554444' : '4242424242424242'),
        capture_method: kind === 'manual' ? 'manual' : 'automatic',
        metadata: { drill: `faults-${run}`, kind },
      },
    });
    if (!answerOk(`payment ${index} create`, created.status, created.text, 201)) return;
    const id: string = created.json.id;
    let paymentEnd: { stoppedAt: number } | undefined;
    let measuredFrom = sentAt;
    if (kind === 'manual') {
      const authorized = await platform.waitForPayment(id, (payment) => payment.status !== 'processing', deadlines.authorization_seconds * 1000 - (Date.now() - sentAt));
      if (authorized?.status === 'processing' || authorized === undefined) {
        stuck += 1;
        violations.push(`${id}: not authorized within ${deadlines.authorization_seconds.toFixed(0)} s`);
        return;
      }
      if (authorized.status === 'requires_capture') {
        const captureSent = Date.now();
        measuredFrom = captureSent;
        const captured = await api.call('fault_capture', 'POST', `/v1/payments/${id}/capture`, { key: merchant.api_key, idempotencyKey: `faults-${run}-${index}-capture`, body: {} });
        if (!answerOk(`${id} capture`, captured.status, captured.text, 200)) return;
        paymentEnd = await paymentEndBy(id, captureSent + deadlines.capture_seconds * 1000);
        if (!paymentEnd) {
          stuck += 1;
          violations.push(`${id}: not terminal within ${deadlines.capture_seconds.toFixed(0)} s of its capture request`);
          return;
        }
      } else paymentEnd = { stoppedAt: Date.parse(authorized.updatedAt) };
    } else {
      paymentEnd = await paymentEndBy(id, sentAt + deadlines.automatic_seconds * 1000);
      if (!paymentEnd) {
        stuck += 1;
        violations.push(`${id}: not terminal within ${deadlines.automatic_seconds.toFixed(0)} s`);
        return;
      }
    }
    elapsed[kind].push((paymentEnd.stoppedAt - measuredFrom) / 1000);
    if (kind !== 'refunded') return;
    const payment = await platform.payment(id);
    if (payment?.status !== 'succeeded') return;
    const amount = Math.max(1, Math.floor(payment.amountReceived * 0.4));
    const refundSent = Date.now();
    const refund = await api.call('fault_refund', 'POST', '/v1/refunds', { key: merchant.api_key, idempotencyKey: `faults-${run}-${index}-refund`, body: { payment_id: id, amount } });
    if (!answerOk(`${id} refund`, refund.status, refund.text, 201)) return;
    const refundEnd = await refundEndBy(refund.json.id, refundSent + deadlines.refund_seconds * 1000);
    if (!refundEnd) {
      stuck += 1;
      violations.push(`${refund.json.id}: refund not finished within ${deadlines.refund_seconds.toFixed(0)} s`);
      return;
    }
    elapsed.refund.push((refundEnd.stoppedAt - refundSent) / 1000);
    const finished = await api.call('fault_get_refund', 'GET', `/v1/refunds/${refund.json.id}`, { key: merchant.api_key });
    // A failed refund is a business outcome here (nothing moved: checked against the acquirer below).
    const outcome = finished.json?.status === 'failed' ? `failed: ${finished.json.failure_code}` : String(finished.json?.status);
    refundOutcomes[outcome] = (refundOutcomes[outcome] ?? 0) + 1;
    if (finished.json?.status === 'succeeded') requestedRefunds.set(id, amount);
  });

  const injected = await setSimulatorFaults(channels, 0, 0);
  const settled = await platform.waitForQuiescence(300_000);
  if (!settled) violations.push('the platform did not settle within 300 s after the faults stopped');

  const payments = (await listAllPayments(api, merchant.api_key)).filter((payment) => payment.metadata.drill === `faults-${run}`);
  const totals = await simulatorTotals(channels);
  const statuses: Record<string, number> = {};
  let lost = options.payments - payments.length;
  let duplicated = 0;
  let compensated = 0;
  let failedByFaults = 0;
  if (lost > 0) violations.push(`${lost} payment(s) missing from the merchant's list`);
  for (const payment of payments) {
    statuses[payment.status] = (statuses[payment.status] ?? 0) + 1;
    if (!TERMINAL.includes(payment.status)) lost += 1;
    const entries = totals.get(payment.id) ?? [];
    if (entries.reduce((sum, entry) => sum + entry.approved, 0) > 1) duplicated += 1;
    if ((payment.status === 'failed' || payment.status === 'canceled') && entries.some((entry) => entry.approved > 0)) compensated += 1;
    violations.push(...checkAgainstAcquirer(payment, entries));
    if (payment.metadata.kind === 'capture_fails' && payment.status === 'succeeded') violations.push(`${payment.id}: captured with the capture-refusing card`);
    if (payment.metadata.kind !== 'capture_fails' && payment.status === 'failed' && payment.failure_code === 'processing_error' && !entries.some((entry) => entry.captures > 0)) failedByFaults += 1;
    else if (payment.metadata.kind !== 'capture_fails' && payment.status !== 'succeeded') violations.push(`${payment.id}: ${payment.metadata.kind} payment ended ${payment.status} (${payment.failure_code})`);
    const refunded = requestedRefunds.get(payment.id);
    if (refunded !== undefined && payment.amount_refunded !== refunded) violations.push(`${payment.id}: refund of ${refunded} succeeded, amount_refunded is ${payment.amount_refunded}`);
  }
  if (failedByFaults > options.payments / 4) violations.push(`${failedByFaults} of ${options.payments} payments failed for the faults: more than a quarter`);
  const ledger = await ledgerDifferences(platform.runtime.dynamoDbEndpoint);
  violations.push(...ledger.map((difference) => `ledger: ${difference}`));
  const max = (values: number[]) => (values.length ? Number(Math.max(...values).toFixed(2)) : null);
  return drillResult('channel_faults', started, {
    lost,
    duplicated,
    server_errors: serverErrors,
    counts: {
      payments: options.payments,
      error_rate: options.errorRate,
      timeout_rate: options.timeoutRate,
      channel_timeout_ms: options.channelTimeoutMs,
      faults_injected: Object.fromEntries(Object.entries(injected).map(([name, value]) => [name, (value as { injected: unknown }).injected])),
      kinds: Object.fromEntries((['automatic', 'manual', 'refunded', 'capture_fails'] as const).map((kind) => [kind, kinds.filter((entry) => entry === kind).length])),
      statuses,
      failure_codes: Object.fromEntries([...new Set(payments.map((payment) => payment.failure_code).filter((code): code is string => code !== null))].map((code) => [code, payments.filter((payment) => payment.failure_code === code).length])),
      refunds: refundOutcomes,
      // Failed or canceled payments whose authorization had been approved: each needed its void (checked above).
      failed_payments_compensated: compensated,
      // Failed with processing_error, nothing charged: every channel of the route kept failing (see above).
      failed_by_faults: failedByFaults,
      stuck_past_deadline: stuck,
      deadlines_seconds: { automatic: deadlines.automatic_seconds, authorization: deadlines.authorization_seconds, capture: deadlines.capture_seconds, refund: deadlines.refund_seconds },
      max_seconds_to_terminal: {
        automatic: max(elapsed.automatic),
        manual_after_capture_request: max(elapsed.manual),
        refunded: max(elapsed.refunded),
        capture_fails: max(elapsed.capture_fails),
        refund: max(elapsed.refund),
      },
      ledger_differences: ledger.length,
    },
    violations,
  });
};
