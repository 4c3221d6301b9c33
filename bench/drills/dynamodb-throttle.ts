import { dynamoDbErrors } from '../../local/faults/dynamodb-fault-proxy';
import { type ApiAnswer, ApiClient, pool, seededRandom, sleep } from '../lib/http';
import { card, pickAmount } from '../lib/mix';
import type { BenchPlatform } from '../lib/platform';
import { type DrillResult, TERMINAL, checkAgainstAcquirer, drillResult, ledgerDifferences, listAllPayments, simulatorTotals } from './common';

/**
 * DynamoDB throttling (issue 13): for `outageSeconds`, a share `rate` of every request the platform's
 * functions make to DynamoDB is refused: ThrottlingException on reads and writes, and on
 * TransactWriteItems half of the refusals are TransactionCanceledException [TransactionConflict] (what a
 * hot item under contention answers). DynamoDB Local does neither; the fault proxy in front of it
 * (local/faults/dynamodb-fault-proxy.ts) answers exactly as DynamoDB does. Requests are refused before
 * they reach DynamoDB Local, so a refused write changed nothing, as in AWS.
 *
 * Payments keep coming during the outage (automatic, manual then captured, and one in four refunded in
 * part), sent by a merchant's client that resends an unanswered or 5xx request with the same
 * Idempotency-Key until it has an answer. When the outage ends, everything must reach its end:
 * - `refunded_by_outage` = 0: no payment is refunded (or voided after its capture) because a step of its
 *   run could not write for a while; only a definite business failure compensates;
 * - one charge per payment at its acquirer, every key one payment, every payment terminal;
 * - 5xx answers are counted apart while the outage lasts (`server_errors_during_outage`: a request whose
 *   writes were refused after the SDK's retries answers 5xx, and the client retries it); after it, none;
 * - time to terminal after the outage ends, and the ledger verifier clean.
 */
export interface DynamoDbThrottleOptions {
  readonly payments: number;
  readonly rate: number;
  readonly outageSeconds: number;
  readonly concurrency: number;
  readonly seed: number;
}

type Kind = 'automatic' | 'manual' | 'refunded';

const THROTTLED_OPERATIONS = ['GetItem', 'Query', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];

export const dynamoDbThrottleDrill = async (platform: BenchPlatform, options: DynamoDbThrottleOptions): Promise<DrillResult> => {
  const faults = platform.faults;
  if (!faults) throw new Error('dynamodb_throttle needs the platform started with dynamoDbFaults');
  const started = Date.now();
  const api = new ApiClient(() => platform.runtime.apiUrl);
  const merchant = platform.runtime.merchants[0];
  if (!merchant) throw new Error('no demo merchant');
  const run = `${options.seed}-${Date.now().toString(36)}`;
  const random = seededRandom(options.seed);
  const draw = seededRandom(options.seed + 7919);
  const kinds: Kind[] = Array.from({ length: options.payments }, (_, index) => (index % 4 === 3 ? 'refunded' : index % 4 === 1 ? 'manual' : 'automatic'));
  const violations: string[] = [];
  let serverErrorsDuring = 0;
  let serverErrorsAfter = 0;
  let retries = 0;

  // ---- The outage: a share of every request refused, from now for outageSeconds ----
  const seenBefore = { ...faults.counts.seen };
  const faultedBefore = { ...faults.counts.faulted };
  const outageStart = Date.now();
  const outageEnd = outageStart + options.outageSeconds * 1000;
  // TransactWriteItems: half of its refusals are conflicts (the first fault whose test passes answers).
  const conflictShare = options.rate / 2;
  faults.inject({ operation: 'TransactWriteItems', when: () => Date.now() < outageEnd && draw() < conflictShare, error: dynamoDbErrors.transactionConflict(2) });
  for (const operation of THROTTLED_OPERATIONS) {
    const share = operation === 'TransactWriteItems' ? conflictShare / (1 - conflictShare) : options.rate;
    faults.inject({ operation, when: () => Date.now() < outageEnd && draw() < share, error: dynamoDbErrors.throttled() });
  }
  const inOutage = () => Date.now() < outageEnd;
  // What the platform asked of DynamoDB while the outage lasted (the refused share is of those).
  let seenInOutage: Record<string, number> | undefined;
  const outageTimer = setTimeout(() => (seenInOutage = { ...faults.counts.seen }), options.outageSeconds * 1000);

  /** A merchant's client: the same key until an answer other than 5xx or 409 in progress (for 10 minutes at most). */
  const send = async (label: string, method: 'POST', path: string, idempotencyKey: string, body: Record<string, unknown>): Promise<ApiAnswer> => {
    for (let attempt = 1; ; attempt += 1) {
      const sentAt = Date.now();
      const answer = await api.call(`throttle_${label}`, method, path, { key: merchant.api_key, idempotencyKey, body });
      const retryable = answer.status >= 500 || (answer.status === 409 && answer.json?.code === 'idempotency_in_progress');
      if (answer.status >= 500) {
        if (inOutage() || sentAt < outageEnd) serverErrorsDuring += 1;
        else {
          serverErrorsAfter += 1;
          violations.push(`${label} ${path}: answered ${answer.status} after the outage ended: ${answer.text.slice(0, 160)}`);
        }
      }
      if (!retryable || Date.now() - started > 600_000) return answer;
      retries += 1;
      await sleep(Math.min(4_000, 250 * 2 ** Math.min(attempt, 4)));
    }
  };

  const requestedRefunds = new Map<string, number>();
  const ids: string[] = [];
  // Spread the payments over the outage (and a little after it).
  const spacingMs = (options.outageSeconds * 1000) / Math.max(1, options.payments);
  await pool(kinds, options.concurrency, async (kind, index) => {
    await sleep(Math.max(0, outageStart + index * spacingMs - Date.now()));
    const created = await send('create', 'POST', '/v1/payments', `throttle-${run}-${index}`, {
      ...pickAmount(random),
      payment_method: card(index % 2 ? '5555555555554444' : '4242424242424242'),
      capture_method: kind === 'manual' ? 'manual' : 'automatic',
      metadata: { drill: `throttle-${run}`, kind },
    });
    if (created.status !== 201) return violations.push(`payment ${index}: answered ${created.status} ${created.text.slice(0, 160)}`);
    const id: string = created.json.id;
    ids.push(id);
    const first = await platform.waitForPayment(id, (payment) => payment.status !== 'processing', 600_000);
    if (kind === 'manual' && first?.status === 'requires_capture') {
      const captured = await send('capture', 'POST', `/v1/payments/${id}/capture`, `throttle-${run}-${index}-capture`, {});
      if (captured.status !== 200) violations.push(`${id} capture: answered ${captured.status} ${captured.text.slice(0, 160)}`);
    }
    const done = await platform.waitForPayment(id, (payment) => TERMINAL.includes(payment.status), 600_000);
    if (kind !== 'refunded' || done?.status !== 'succeeded') return;
    const amount = Math.max(1, Math.floor(done.amountReceived * 0.3));
    const refund = await send('refund', 'POST', '/v1/refunds', `throttle-${run}-${index}-refund`, { payment_id: id, amount });
    if (refund.status !== 201) return violations.push(`${id} refund: answered ${refund.status} ${refund.text.slice(0, 160)}`);
    for (let waited = 0; waited < 600_000; waited += 200) {
      const stored = await platform.refund(refund.json.id);
      if (stored && stored.status !== 'pending') {
        if (stored.status === 'succeeded') requestedRefunds.set(id, amount);
        else violations.push(`${refund.json.id}: refund ended ${stored.status}`);
        break;
      }
      await sleep(200);
    }
  });
  await sleep(Math.max(0, outageEnd - Date.now()));
  clearTimeout(outageTimer);
  seenInOutage ??= { ...faults.counts.seen };
  faults.clear();
  const settled = await platform.waitForQuiescence(300_000);
  if (!settled) violations.push('the platform did not settle within 300 s after the outage');
  const quietAt = Date.now();

  // ---- What happened ----
  const payments = (await listAllPayments(api, merchant.api_key)).filter((payment) => payment.metadata.drill === `throttle-${run}`);
  const totals = await simulatorTotals(platform.runtime.cardChannels);
  const statuses: Record<string, number> = {};
  let lost = options.payments - payments.length;
  if (lost > 0) violations.push(`${lost} payment(s) missing from the merchant's list`);
  let duplicated = 0;
  let refundedByOutage = 0;
  const secondsAfterOutage: number[] = [];
  for (const payment of payments) {
    statuses[payment.status] = (statuses[payment.status] ?? 0) + 1;
    if (!TERMINAL.includes(payment.status)) lost += 1;
    const entries = totals.get(payment.id) ?? [];
    if (entries.reduce((sum, entry) => sum + entry.approved, 0) > 1) duplicated += 1;
    violations.push(...checkAgainstAcquirer(payment, entries));
    if (payment.status !== 'succeeded') violations.push(`${payment.id}: ${payment.metadata.kind} payment ended ${payment.status} (${payment.failure_code})`);
    // Money given back that the merchant never asked for: a refund at the acquirer beyond the drill's own, or
    // an approved authorization released on a payment that should have been captured.
    const refundsAtAcquirer = entries.reduce((sum, entry) => sum + entry.refunds, 0);
    const asked = requestedRefunds.has(payment.id) ? 1 : 0;
    if (refundsAtAcquirer > asked || (payment.status !== 'succeeded' && entries.some((entry) => entry.approved > 0))) {
      refundedByOutage += 1;
      violations.push(`${payment.id}: money returned that nobody asked for (${refundsAtAcquirer} refund(s), status ${payment.status})`);
    }
    const stored = await platform.payment(payment.id);
    if (stored) secondsAfterOutage.push(Math.max(0, (Date.parse(stored.updatedAt) - outageEnd) / 1000));
  }
  const ledger = await ledgerDifferences(platform.runtime.dynamoDbEndpoint);
  violations.push(...ledger.map((difference) => `ledger: ${difference}`));
  const delta = (after: Record<string, number>, before: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)] as const).filter(([, value]) => value > 0));
  const total = (record: Record<string, number>) => Object.values(record).reduce((sum, value) => sum + value, 0);
  const seen = delta(seenInOutage, seenBefore);
  const faulted = delta(faults.counts.faulted, faultedBefore);
  const sorted = [...secondsAfterOutage].sort((a, b) => a - b);
  return drillResult('dynamodb_throttle', started, {
    lost,
    duplicated,
    server_errors: serverErrorsAfter,
    counts: {
      payments: options.payments,
      rate: options.rate,
      outage_seconds: options.outageSeconds,
      requests_in_outage: total(seen),
      requests_refused: faulted,
      refused_share: Number((total(faulted) / Math.max(1, total(seen))).toFixed(3)),
      client_retries: retries,
      server_errors_during_outage: serverErrorsDuring,
      statuses,
      refunds_requested: requestedRefunds.size,
      refunded_by_outage: refundedByOutage,
      seconds_to_terminal_after_outage: { p50: sorted[Math.floor(sorted.length / 2)] ?? null, max: sorted.at(-1) ?? null },
      seconds_to_quiet_after_outage: Number(((quietAt - outageEnd) / 1000).toFixed(1)),
      ledger_differences: ledger.length,
    },
    violations: [...new Set(violations)],
  });
};
