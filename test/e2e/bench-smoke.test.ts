import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSmoke, stopSmokeRuns } from './smoke-run';

/**
 * `npm run bench` at smoke size, so the harness keeps working: it starts its own runtime, writes its JSON
 * report, and the report has every key docs/benchmarks.md describes and figures that agree with each other
 * (the bill is counts × prices). The size is tiny (about a minute on two shared cores); the figures
 * themselves are not asserted, they are noise at this size. The drills: drill-smoke.test.ts.
 */
const outDir = mkdtempSync(join(tmpdir(), 'xborder-bench-smoke-'));
afterAll(() => {
  stopSmokeRuns();
  rmSync(outDir, { recursive: true, force: true });
});

it('npm run bench --smoke reports throughput, per-payment, per-payout and per-conversion counts, bills that are counts × prices, the ceiling, cold starts and the scale ceiling', async () => {
  const { code, output } = await runSmoke('bench/run-bench.ts', ['--smoke', '--out', outDir, '--name', 'bench'], { deadlineMs: 570_000 });
  expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
  const report = JSON.parse(readFileSync(join(outDir, 'bench.json'), 'utf8'));
  expect(Object.keys(report)).toEqual([
    'schema',
    'generated_at',
    'machine',
    'options',
    'run',
    'per_payment',
    'per_payout',
    'per_conversion',
    'totals',
    'attribution',
    'log_volume',
    'cost',
    'cost_payouts',
    'cost_conversions',
    'webhooks',
    'prices',
    'ceiling',
    'cold_start',
    'scale_ceiling',
    'routing_and_risk_ms',
    'left_out',
  ]);
  expect(report.schema).toBe('xborder-bench/1');
  // The smoke mix: every entry, three payouts (one per rail channel) and one conversion, each funded by its own payment.
  expect(report.run).toMatchObject({ payments: 12, payouts: 3, conversions: 1, server_errors: 0, anomalies: 0, settled: true, passed: true, failures: [] });
  expect(report.run.ledger).toMatchObject({ verified_after_window: true, differences: 0 });
  expect(Object.keys(report.run.payouts_by_destination).sort()).toEqual(['ach_usd', 'eft_cad_from_usd', 'pix_brl']);
  expect(report.run.payments_per_second).toBeGreaterThan(0);
  expect(report.run.e2e_ms.count).toBe(12);
  // The same per mix entry: every run's payment counted once, under its entry.
  expect(Object.fromEntries(Object.entries(report.run.e2e_ms_by_entry).map(([entry, summary]: [string, any]) => [entry, summary.count]))).toEqual({
    automatic_capture: 3,
    conversion: 1,
    decline: 1,
    manual_capture: 2,
    partial_refunds: 2,
    payout: 3,
  });
  expect(report.run.e2e_ms_by_entry.manual_capture.p50_ms).toBeGreaterThan(0);
  // Where the window's processor time went: the runtime's event loop, its process, DynamoDB Local, the machine.
  expect(Object.keys(report.run.cpu_use)).toEqual(['cores', 'node_main_thread_utilization', 'node_main_thread_cores', 'node_process_cores', 'dynamodb_local_cores', 'machine_busy_share']);
  expect(report.run.cpu_use.node_main_thread_utilization).toBeGreaterThan(0);
  expect(report.run.cpu_use.node_main_thread_utilization).toBeLessThanOrEqual(1);
  expect(report.run.cpu_use.node_process_cores).toBeGreaterThan(0);
  expect(report.run.cpu_use.dynamodb_local_cores).toBeGreaterThan(0);
  // What routing and risk add, timed in every Screen step: the calibration's and the window's payments that got one.
  expect(report.routing_and_risk_ms).toMatchObject({ target_p50_ms: 10, sequential: { count: expect.any(Number) }, under_load: { p50_ms: expect.any(Number) } });
  expect(report.routing_and_risk_ms.sequential.count).toBeGreaterThan(0);
  expect(report.routing_and_risk_ms.under_load.count).toBeGreaterThanOrEqual(9);
  expect(Object.values(report.run.outcomes).flatMap((row: any) => Object.keys(row.statuses))).not.toEqual(expect.arrayContaining(['error', 'not_created', 'missing']));
  for (const operation of ['create_payment', 'all']) expect(report.run.api_latency_ms[operation]).toMatchObject({ p50_ms: expect.any(Number), p95_ms: expect.any(Number), p99_ms: expect.any(Number) });

  // Per payment: every counter present, and consistent with the totals it is divided from.
  const perPayment = report.per_payment;
  expect(perPayment.lambda_invocations.by_function.createPayment).toBeCloseTo(1, 6);
  // One Express run per payment, and one more for each capture window's end (the merchant's capture or
  // cancel, or the expiry): the Standard capture window is the only workflow billed by transitions.
  const started = perPayment.step_functions.executions_started.by_workflow;
  expect(started.paymentCaptureWindow).toBeGreaterThan(0);
  expect(started.payment).toBeCloseTo(1 + started.paymentCaptureWindow, 6);
  expect(perPayment.step_functions.transitions.by_workflow).toEqual({ paymentCaptureWindow: started.paymentCaptureWindow });
  expect(perPayment.dynamodb.write_units).toBeGreaterThan(0);
  expect(perPayment.dynamodb.read_units).toBeGreaterThan(0);
  expect(perPayment.api_requests.by_route['POST /v1/payments']).toBeCloseTo(1, 6);
  // Every count belongs to one operation: per payment × payments + per payout × payouts + per conversion × conversions = the totals.
  const sumOf = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
  const { per_payout: perPayout, per_conversion: perConversion } = report;
  const attributed = (of: (block: any) => number) => of(perPayment) * report.run.payments + of(perPayout) * report.run.payouts + of(perConversion) * report.run.conversions;
  expect(attributed((block) => block.lambda_invocations.total)).toBeCloseTo(sumOf(report.totals.lambda_invocations), 6);
  expect(attributed((block) => block.api_requests.total)).toBeCloseTo(report.totals.api_requests, 6);
  expect(attributed((block) => block.step_functions.executions_started.total)).toBeCloseTo(sumOf(report.totals.step_functions_executions_started), 6);
  expect(report.attribution.untracked_invocations).toEqual({});
  // The census of DynamoDB requests by function (decision record 0055): a create writes its payment once and
  // reads its idempotency record once; the Screen step of a payment the create stored screened reads nothing.
  const census = report.attribution.dynamodb_requests_by_function;
  expect(census.per).toBe('payment');
  expect(census.by_function.createPayment['xborder-payments PutItem']).toBeCloseTo(1, 6);
  expect(census.by_function.createPayment['xborder-idempotency GetItem']).toBeCloseTo(1, 6);
  expect(census.by_function.screenPayment?.['xborder-payments GetItem'] ?? 0).toBeLessThan(0.5); // only a payment its create did not store screened is read
  expect(perPayout.lambda_invocations.by_function.createPayout).toBeCloseTo(1, 6);
  // A payout's run to the rail, its Standard wait for the rail's confirmation, and the run that settles it.
  expect(perPayout.step_functions.executions_started.by_workflow).toEqual({ payout: 2, payoutWait: 1 });
  expect(perPayout.lambda_invocations.by_function.createPayment).toBeUndefined();
  expect(perConversion.api_requests.by_route).toEqual({ 'POST /v1/fx/quotes': 1, 'POST /v1/conversions': 1 });
  expect(perPayment.step_functions.transitions.by_workflow.payout).toBeUndefined();

  // The bill: each line quantity × unit price, the total their sum, the unit price the table's.
  let total = 0;
  for (const line of report.cost.lines) {
    expect(line.usd_per_million_payments).toBeCloseTo(line.quantity_per_million_payments * line.usd_per_unit, 6);
    expect(line.usd_per_unit).toBeCloseTo(report.prices.prices[line.price].usd / report.prices.prices[line.price].per, 12);
    total += line.usd_per_million_payments;
  }
  expect(report.cost.usd_per_million_payments).toBeCloseTo(total, 6);
  expect(report.cost.lines.find((line: any) => line.id === 'step_functions_transitions').quantity_per_payment).toBeCloseTo(perPayment.step_functions.transitions.total, 9);
  // Logs at the price of their group's class (decision record 0058): the Step Functions events in Infrequent
  // Access groups, every other source Standard; the two lines hold all of a payment's logs.
  const logSources = report.log_volume.sources;
  expect(logSources.step_functions_all_level.log_class).toBe('INFREQUENT_ACCESS');
  for (const source of ['function_logs', 'function_metrics_emf', 'lambda_platform_records', 'api_gateway_access_logs', 'waf_logs']) expect({ source, logClass: logSources[source].log_class }).toEqual({ source, logClass: 'STANDARD' });
  const logLine = (id: string) => report.cost.lines.find((line: any) => line.id === id);
  const gigabytes = (bytes: number, events: number) => (bytes + 26 * events) / 2 ** 30;
  const paymentRuns = report.log_volume.by_operation.payment.step_functions_all_level;
  expect(paymentRuns.bytes).toBeGreaterThan(0);
  expect(logLine('cloudwatch_logs_infrequent_access').quantity_per_payment).toBeCloseTo(gigabytes(paymentRuns.bytes, paymentRuns.events) / report.run.payments, 12);
  expect(logLine('cloudwatch_logs').quantity_per_payment + logLine('cloudwatch_logs_infrequent_access').quantity_per_payment).toBeCloseTo(
    gigabytes(report.log_volume.bytes_per_payment, report.log_volume.events_per_payment),
    12,
  );
  expect(report.cost.by_service['CloudWatch Logs']).toBeCloseTo(logLine('cloudwatch_logs').usd_per_million_payments + logLine('cloudwatch_logs_infrequent_access').usd_per_million_payments, 9);
  for (const [unit, cost, block] of [['payout', report.cost_payouts, perPayout], ['conversion', report.cost_conversions, perConversion]] as const) {
    let unitTotal = 0;
    for (const line of cost.lines) {
      expect(line[`usd_per_million_${unit}s`]).toBeCloseTo(line[`quantity_per_million_${unit}s`] * line.usd_per_unit, 6);
      unitTotal += line[`usd_per_million_${unit}s`];
    }
    expect(cost[`usd_per_million_${unit}s`]).toBeCloseTo(unitTotal, 6);
    expect(cost.lines.find((line: any) => line.id === 'lambda_requests')[`quantity_per_${unit}`]).toBeCloseTo(block.lambda_invocations.total, 9);
  }

  // Webhooks: one endpoint per merchant subscribed to everything; every event of the window delivered and
  // verified; the pipeline's share of the bill uses the bill's own lines and is inside it.
  const webhooks = report.webhooks;
  expect(webhooks).toMatchObject({ endpoints: 2, enabled_events: ['*'], missed_events: 0, listing_errors: 0, window: { unverified: 0, answered_non_2xx: 0 } });
  // With what the listing read, so a listing that misses the window's events says what it saw.
  expect({ events: webhooks.events >= report.run.payments, reads: webhooks.listing_reads }).toMatchObject({ events: true });
  expect(webhooks.delivered).toBe(webhooks.events);
  // Each delivered event's latency, from its change to its first verified delivery: the stream mapping's
  // batching window (1 s) is in it, so no delivery is faster than the change was written.
  expect(webhooks.delivery_latency_ms.count).toBe(webhooks.delivered);
  expect(webhooks.delivery_latency_ms.p50_ms).toBeGreaterThan(0);
  expect(webhooks.delivery_latency_ms.max_ms).toBeGreaterThanOrEqual(webhooks.delivery_latency_ms.p95_ms);
  expect(webhooks.per_payment.lambda_invocations.deliverWebhooks).toBeGreaterThan(0);
  expect(webhooks.per_payment.sqs_requests).toBeGreaterThan(0);
  expect(report.cost.lines.find((line: any) => line.id === 'sqs_requests').quantity_per_payment).toBeCloseTo(perPayment.sqs_requests.total, 9);
  for (const line of webhooks.cost.lines) {
    const whole = report.cost.lines.find((entry: any) => entry.id === line.id);
    expect(line.quantity_per_payment).toBeLessThanOrEqual(whole.quantity_per_payment + 1e-9);
  }
  expect(webhooks.cost.usd_per_million_payments).toBeGreaterThan(0);

  expect(report.ceiling.writes.payments_per_second).toBeGreaterThan(0);
  expect(report.ceiling.ratio_to_writes_ceiling).toBeCloseTo(report.run.payments_per_second / report.ceiling.writes.payments_per_second, 9);
  expect(report.cold_start.bare.bundle_bytes).toBeGreaterThan(0);
  expect(report.cold_start.functions.createPayment).toMatchObject({ invocation: 'fresh payment', outcome: 'HTTP 201' });
  expect(report.scale_ceiling.binding_aws_quota.payments_per_second).toBeGreaterThan(0);
  // The hot merchant: the lowest ceiling of a partition key value shared by payments, named, from the run's own charges.
  const oneMerchant = report.scale_ceiling.one_merchant;
  expect(Object.keys(oneMerchant)).toEqual(['payments_per_second', 'binding', 'top', 'limits', 'payments', 'payments_by_merchant', 'counts', 'sources', 'note']);
  expect(oneMerchant.payments_per_second).toBeGreaterThan(0);
  expect(oneMerchant.binding).toMatchObject({
    table: expect.stringMatching(/^xborder-/),
    partition: expect.any(String),
    scope: expect.stringMatching(/^(merchant|platform)$/),
    limited_by: expect.stringMatching(/^(write|read)$/),
    payments_per_second: oneMerchant.payments_per_second,
  });
  expect(oneMerchant.binding.payments_touching).toBeGreaterThan(1);
  expect(oneMerchant.binding.units_per_payment).toBeGreaterThan(0);
  expect(oneMerchant.binding.partition).not.toMatch(/mer_demo_/);
  expect(oneMerchant.top[0]).toEqual(oneMerchant.binding);
  expect(Object.values(oneMerchant.payments_by_merchant).reduce((a: number, b: any) => a + b, 0)).toBe(report.run.payments);
  // Only the events outbox (its invocations name event pages, not a run's objects) serves no run.
  expect(Object.keys(oneMerchant.counts.requests_without_run_by_function).filter((key) => !['buildEvents', 'deliverWebhooks'].includes(key))).toEqual([]);
  const summary = readFileSync(join(outDir, 'bench.md'), 'utf8');
  expect(summary).toContain('AWS bill per million payments');
  expect(summary).toContain('One merchant per region');
}, 600_000);
