/**
 * The short markdown summaries written beside the JSON reports (latest.md, drill.md). They only format
 * what the JSON holds; the JSON is the record.
 */
const fixed = (value: unknown, digits = 2): string => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '-');
const money = (value: unknown): string => (typeof value === 'number' ? `$${value.toFixed(2)}` : '-');
const table = (header: readonly string[], rows: readonly (readonly string[])[]): string =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

// The report is built in run-bench.ts; only the fields read here are typed.
export const benchSummary = (report: any): string => {
  const lines: string[] = [];
  const run = report.run;
  const perPayment = report.per_payment;
  lines.push(`# Benchmark ${report.generated_at}`, '');
  lines.push(
    `${run.payments} payments (${report.options.mix.map((entry: { name: string; weight: number }) => `${entry.name} ${entry.weight}`).join(', ')}), concurrency ${report.options.concurrency}, ${report.machine.cpus} cores, Node ${report.machine.node}, load ${report.machine.load_average_at_start.join(' ')} at start.`,
    '',
  );
  lines.push('## Throughput and latency', '');
  lines.push(
    table(
      ['measure', 'value'],
      [
        ['payments/s (request sent → terminal status)', fixed(run.payments_per_second)],
        ['end-to-end ms p50 / p95 / p99', `${fixed(run.e2e_ms.p50_ms, 0)} / ${fixed(run.e2e_ms.p95_ms, 0)} / ${fixed(run.e2e_ms.p99_ms, 0)}`],
        ...Object.entries(run.e2e_ms_by_entry ?? {}).map(([entry, summary]: [string, any]) => [
          `end-to-end ms p50 / p95 / p99, ${entry} (n=${summary.count})`,
          `${fixed(summary.p50_ms, 0)} / ${fixed(summary.p95_ms, 0)} / ${fixed(summary.p99_ms, 0)}`,
        ]),
        ...Object.entries(run.api_latency_ms).map(([operation, summary]: [string, any]) => [
          `API ${operation} ms p50 / p95 / p99 (n=${summary.count})`,
          `${fixed(summary.p50_ms, 0)} / ${fixed(summary.p95_ms, 0)} / ${fixed(summary.p99_ms, 0)}`,
        ]),
        ['anomalies / server errors', `${run.anomalies} / ${run.server_errors}`],
        ['ledger differences after the window', String(run.ledger?.differences ?? '-')],
        ['verdict', run.passed ? 'passed' : `FAILED: ${run.failures.join('; ')}`],
      ],
    ),
    '',
  );
  if (report.ceiling) {
    lines.push(
      `Ceiling (the same DynamoDB requests replayed alone, ${report.ceiling.concurrency} workers): writes only ${fixed(report.ceiling.writes.payments_per_second)} payments/s, all requests ${fixed(report.ceiling.all_requests.payments_per_second)} payments/s. Our throughput is ${fixed(report.ceiling.ratio_to_writes_ceiling, 3)} of the write ceiling and ${fixed(report.ceiling.ratio_to_all_requests_ceiling, 3)} of the all-requests ceiling.`,
      '',
      `Processor time in the window (${report.run.cpu_use.cores} cores): the runtime's event loop busy ${fixed(report.run.cpu_use.node_main_thread_utilization, 2)} of the time (${fixed(report.run.cpu_use.node_main_thread_cores, 2)} cores of processor time), its process ${fixed(report.run.cpu_use.node_process_cores, 2)} cores (every thread), DynamoDB Local ${report.run.cpu_use.dynamodb_local_cores === null ? 'unknown' : fixed(report.run.cpu_use.dynamodb_local_cores, 2)} cores, the whole machine ${report.run.cpu_use.machine_busy_share === null ? 'unknown' : fixed(report.run.cpu_use.machine_busy_share, 2)} busy.`,
      '',
    );
  }
  lines.push('## Per payment', '');
  lines.push(
    table(
      ['count', 'per payment'],
      [
        ['API requests', fixed(perPayment.api_requests.total)],
        ['Lambda invocations', fixed(perPayment.lambda_invocations.total)],
        ['Lambda GB-s', fixed(perPayment.lambda_gb_seconds.total, 4)],
        ...Object.entries(perPayment.step_functions.transitions.by_workflow).map(([workflow, value]) => [`Step Functions transitions (${workflow})`, fixed(value)]),
        ['DynamoDB write units (tables + GSIs, one region, AWS rules)', fixed(perPayment.dynamodb.write_units)],
        ['DynamoDB read units (AWS rules)', fixed(perPayment.dynamodb.read_units)],
        ["DynamoDB write / read units as DynamoDB Local reports them (cross-check)", `${fixed(perPayment.dynamodb.dynamodb_local_reported?.write_units)} / ${fixed(perPayment.dynamodb.dynamodb_local_reported?.read_units)}`],
        ['KMS requests', fixed(perPayment.kms_requests.total, 4)],
        ['log bytes (CloudWatch)', fixed(perPayment.log_bytes.total, 0)],
      ],
    ),
    '',
  );
  lines.push(...dynamoDbTables(perPayment.dynamodb, report.totals));
  lines.push(`## AWS bill per million payments: ${money(report.cost.usd_per_million_payments)} (${report.cost.regions} regions)`, '');
  lines.push(
    table(
      ['line', 'quantity / payment', 'unit price', 'per million payments'],
      report.cost.lines.map((line: any) => [line.id, `${fixed(line.quantity_per_payment, 6)} ${line.unit}`, `$${line.usd_per_unit.toPrecision(4)}`, money(line.usd_per_million_payments)]),
    ),
    '',
  );
  if (report.webhooks) {
    const hooks = report.webhooks;
    lines.push(
      `Webhooks (${hooks.endpoints} endpoint(s) subscribed to everything): ${hooks.events} events, ${hooks.delivered} delivered, ${hooks.missed_events} missed, ${hooks.window.duplicate_deliveries} duplicate deliveries, ${hooks.window.unverified} unverified; from an event's change to its delivery p50 / p95 / max ${fixed(hooks.delivery_latency_ms?.p50_ms, 0)} / ${fixed(hooks.delivery_latency_ms?.p95_ms, 0)} / ${fixed(hooks.delivery_latency_ms?.max_ms, 0)} ms; their share of the bill above: ${money(hooks.cost.usd_per_million_payments)} per million payments (${Object.entries(hooks.cost.by_service as Record<string, number>).map(([service, usd]) => `${service} ${money(usd)}`).join(', ')}).`,
      '',
    );
  }
  if (run.payouts > 0 || run.conversions > 0) lines.push(...treasurySummary(report), '');
  const ceiling = report.scale_ceiling;
  if (ceiling?.binding_aws_quota) {
    lines.push('## Scale ceiling per region', '');
    lines.push(
      `First AWS default quota to bind: **${ceiling.binding_aws_quota.id}** at ${fixed(ceiling.binding_aws_quota.payments_per_second, 1)} payments/s. First limit of any kind: **${ceiling.binding_overall.id}** at ${fixed(ceiling.binding_overall.payments_per_second, 1)} payments/s.`,
      '',
    );
    lines.push(
      table(
        ['limit', 'kind', 'use / payment', 'payments/s'],
        ceiling.ceilings.slice(0, 10).map((entry: any) => [entry.id, entry.kind, fixed(entry.use_per_payment, 4), fixed(entry.payments_per_second, 1)]),
      ),
      '',
    );
  }
  if (ceiling?.one_merchant) lines.push(...oneMerchantSummary(ceiling.one_merchant));
  if (report.routing_and_risk_ms) {
    const { sequential, under_load } = report.routing_and_risk_ms;
    lines.push(
      '## Routing and risk',
      '',
      `What routing and risk add to a payment (${report.routing_and_risk_ms.measures}), target p50 ≤ ${report.routing_and_risk_ms.target_p50_ms} ms: one at a time p50 / p95 ${fixed(sequential.p50_ms, 1)} / ${fixed(sequential.p95_ms, 1)} ms (n=${sequential.count}); under the run's load p50 / p95 / p99 ${fixed(under_load.p50_ms, 1)} / ${fixed(under_load.p95_ms, 1)} / ${fixed(under_load.p99_ms, 1)} ms (n=${under_load.count}).`,
      '',
    );
  }
  if (report.cold_start) {
    const bare = report.cold_start.bare;
    lines.push('## Cold start', '', `Bare handler: ${bare.bundle_bytes} bytes, init ${fixed(bare.init_ms, 1)} ms, import ${fixed(bare.import_ms, 1)} ms.`, '');
    lines.push(
      table(
        ['function', 'bundle KB', 'init ms', 'first invocation ms', 'cold start ÷ bare'],
        Object.entries(report.cold_start.functions).map(([name, entry]: [string, any]) => [
          name,
          fixed(entry.bundle_bytes / 1024, 0),
          fixed(entry.init_ms, 0),
          entry.first_invocation_ms === null ? 'load only' : fixed(entry.first_invocation_ms, 0),
          fixed(entry.ratio_cold_start, 1),
        ]),
      ),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
};

/** The hot merchant: the partition key value that limits one merchant first, and the next ones. */
const oneMerchantSummary = (one: any): string[] => {
  const where = (entry: any) => `${entry.table}${entry.index ? ` / ${entry.index}` : ''} \`${entry.partition}\``;
  const binding = one.binding;
  return [
    '## One merchant per region (partition limits)',
    '',
    binding
      ? `**${fixed(one.payments_per_second, 0)} payments/s**: ${where(binding)} (${binding.scope}-scoped) binds on ${binding.limited_by}s, ${fixed(binding.units_per_payment, 3)} units per payment against ${binding.limited_by === 'write' ? one.limits.write_units_per_second : one.limits.read_units_per_second} a second.`
      : 'No partition key value was shared by two payments.',
    '',
    `${one.counts.shared} shared partition key values (${one.counts.merchant_scoped} merchant-scoped, ${one.counts.platform_scoped} platform-scoped), ${one.counts.single_payment} touched by one payment only (left out); ${one.counts.requests_without_run} requests not tied to a run.`,
    '',
    table(
      ['table / index, partition', 'scope', 'payments touching', 'write units / payment', 'read units / payment', 'payments/s'],
      one.top.map((entry: any) => [where(entry), entry.scope, String(entry.payments_touching), fixed(entry.write_units_per_payment, 3), fixed(entry.read_units_per_payment, 3), `${fixed(entry.payments_per_second, 0)} (${entry.limited_by})`]),
    ),
    '',
  ];
};

/** Per payment and table: units by AWS's rules beside DynamoDB Local's own report. */
const dynamoDbTables = (dynamodb: any, totals: any): string[] => [
  '### DynamoDB per payment and table (one region; AWS rules vs DynamoDB Local\'s report)',
  '',
  table(
    ['table', 'table writes', 'GSI writes', 'reads (+ GSI reads)', 'replica writes / other region', 'Local: writes / GSI / reads'],
    Object.entries(dynamodb.by_table ?? {}).map(([name, entry]: [string, any]) => [
      name,
      fixed(entry.write_units),
      fixed(entry.index_write_units),
      `${fixed(entry.read_units)} (+ ${fixed(entry.index_read_units)})`,
      fixed(entry.replica_write_units_per_replica_region),
      `${fixed(entry.dynamodb_local_reported?.write_units)} / ${fixed(entry.dynamodb_local_reported?.index_write_units)} / ${fixed((entry.dynamodb_local_reported?.read_units ?? 0) + (entry.dynamodb_local_reported?.index_read_units ?? 0))}`,
    ]),
  ),
  '',
  `To size them the proxy made ${totals?.dynamodb_metering_shadow_requests ?? '-'} uncounted shadow reads in the window, for ${Object.values(totals?.dynamodb ?? {}).reduce((sum: number, usage: any) => sum + Object.values(usage.requests ?? {}).reduce((inner: number, count: any) => inner + Number(count), 0), 0)} requests to the billed tables.`,
  '',
];

/** Payouts and conversions: throughput, what one costs in counts, and the bill per million of each. */
const treasurySummary = (report: any): string[] => {
  const run = report.run;
  const lines: string[] = ['## Payouts and conversions', ''];
  lines.push(
    table(
      ['measure', 'payouts', 'conversions'],
      [
        ['created in the window', String(run.payouts), String(run.conversions)],
        ['per second (first request of the window → last one terminal)', fixed(run.payouts_per_second), fixed(run.conversions_per_second)],
        ['ms p50 / p95 (request → terminal; a payout: paid, failed or returned)', `${fixed(run.payout_e2e_ms.p50_ms, 0)} / ${fixed(run.payout_e2e_ms.p95_ms, 0)}`, `${fixed(run.conversion_e2e_ms.p50_ms, 0)} / ${fixed(run.conversion_e2e_ms.p95_ms, 0)}`],
        ...(
          [
            ['API requests', (block: any) => fixed(block.api_requests.total)],
            ['Lambda invocations', (block: any) => fixed(block.lambda_invocations.total)],
            ['Step Functions transitions (modeled ones included)', (block: any) => fixed(block.step_functions.transitions.total)],
            ['DynamoDB write units (one region)', (block: any) => fixed(block.dynamodb.write_units)],
            ['DynamoDB read units', (block: any) => fixed(block.dynamodb.read_units)],
            ['log bytes', (block: any) => fixed(block.log_bytes.total, 0)],
          ] as const
        ).map(([label, of]) => [`${label} per unit`, of(report.per_payout), of(report.per_conversion)]),
        ['AWS bill per million', money(report.cost_payouts.usd_per_million_payouts), money(report.cost_conversions.usd_per_million_conversions)],
      ],
    ),
    '',
  );
  const services = [...new Set([...Object.keys(report.cost_payouts.by_service), ...Object.keys(report.cost_conversions.by_service)])];
  lines.push(table(['service', 'per million payouts', 'per million conversions'], services.map((service) => [service, money(report.cost_payouts.by_service[service]), money(report.cost_conversions.by_service[service])])), '');
  lines.push(
    table(
      ['payout destination', 'payouts', 'statuses'],
      Object.entries(run.payouts_by_destination).map(([name, row]: [string, any]) => [name, String(row.payouts), Object.entries(row.statuses).map(([status, count]) => `${status} ${count}`).join(', ')]),
    ),
  );
  return lines;
};

export const drillSummary = (report: any): string => {
  const lines: string[] = [`# Drills ${report.generated_at}`, '', `**${report.verdict}**: lost ${report.lost}, duplicated ${report.duplicated}, 5xx ${report.server_errors}, violations ${report.violations}.`, ''];
  if (report.seeds?.length > 1) lines.push(`Seeds ${report.seeds.join(', ')}: ${report.failing_seeds.length ? `**failing seeds ${report.failing_seeds.join(', ')}**` : 'every seed passed'}.`, '');
  for (const [name, drill] of Object.entries(report.drills) as [string, any][]) {
    lines.push(`## ${name}: ${drill.passed ? 'passed' : 'FAILED'}`, '');
    lines.push(table(['count', 'value'], Object.entries(drill.counts).map(([key, value]) => [key, typeof value === 'object' ? JSON.stringify(value) : String(value)])), '');
    if (drill.violations.length) lines.push('Violations:', '', ...drill.violations.slice(0, 20).map((violation: string) => `- ${violation}`), '');
  }
  return `${lines.join('\n')}\n`;
};
