import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logSourcesOfClass } from './log-classes';

/**
 * The AWS bill per million payments from the per-payment counts the benchmark measured and the price
 * table in bench/prices.json. Pure: every line carries its quantity, its unit price and their product, so
 * a reader recomputes the total with a calculator. Two regions: writes are billed in both (global
 * tables), everything else in the region serving the payment. DynamoDB quantities are units by AWS's
 * billing rules, computed from item sizes by the counting proxy (bench/lib/capacity-units.ts), not
 * DynamoDB Local's own report.
 */
export interface Price {
  readonly what: string;
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
  readonly date: string;
  readonly basis: 'design' | 'public-page';
}

export interface Quota {
  readonly what: string;
  readonly value: number;
  readonly burst?: number;
  readonly source: string;
  readonly date: string;
  readonly basis: 'design' | 'public-page';
}

export interface PriceTable {
  readonly currency: string;
  readonly region: string;
  readonly prices: Readonly<Record<string, Price>>;
  readonly quotas: Readonly<Record<string, Quota>>;
  readonly assumptions: Readonly<Record<string, { readonly value: number; readonly why: string }>>;
}

export const PRICES_FILE = join(import.meta.dirname, '..', 'prices.json');

export const loadPriceTable = (file = PRICES_FILE): PriceTable => JSON.parse(readFileSync(file, 'utf8')) as PriceTable;

/** What one payment (or payout, conversion) of the mix costs in billable units (averages over the run). */
export interface BillableCounts {
  /** Requests reaching API Gateway (and WAF): the merchant's and the acquirers' webhooks. */
  readonly apiRequests: number;
  readonly lambdaInvocations: number;
  /** Σ billed duration × memory, in GB-seconds. */
  readonly lambdaGbSeconds: number;
  /** Standard state transitions (Express has none billed). */
  readonly stepFunctionsTransitions: number;
  /** Express executions started, and their billed GB-seconds (duration in 100 ms steps × 64 MB). */
  readonly stepFunctionsExpressRequests: number;
  readonly stepFunctionsExpressGbSeconds: number;
  /** Write units of successful writes on the tables themselves, serving region (a transactional item 2 per started KB). */
  readonly dynamoDbTableWriteUnits: number;
  /** Write units keeping GSIs up to date, one region. */
  readonly dynamoDbIndexWriteUnits: number;
  /** Replicated write units one other replica region bills for the table writes (1 per started KB of a changed item). */
  readonly dynamoDbReplicaWriteUnits: number;
  /** Write units of writes refused by their condition (the existing item's size, 1 if none). */
  readonly dynamoDbRefusedWriteUnits: number;
  /** Estimated write units of items of cancelled transactions. */
  readonly dynamoDbCancelledTransactionWriteUnits: number;
  /** Read units, tables and indexes. */
  readonly dynamoDbReadUnits: number;
  readonly dynamoDbFailedConditionalWrites: number;
  readonly dynamoDbCancelledTransactionItems: number;
  readonly kmsRequests: number;
  /** SQS requests (per 64 KB chunk, as billed): the webhook delivery queue. */
  readonly sqsRequests: number;
  /** Log bytes and events, every log group. */
  readonly logBytes: number;
  readonly logEvents: number;
  /** Of those, what goes to Infrequent Access log groups (bench/lib/log-classes.ts): ingested at that class's price. */
  readonly infrequentAccessLogBytes: number;
  readonly infrequentAccessLogEvents: number;
}

export interface CostLine {
  readonly id: string;
  readonly service: string;
  readonly what: string;
  /** measured: counted locally; estimated: counted locally, units estimated (see `how`); modeled: built from documented formats. */
  readonly basis: 'measured' | 'estimated' | 'modeled';
  readonly how: string;
  readonly quantity_per_payment: number;
  readonly quantity_per_million_payments: number;
  readonly unit: string;
  readonly price: string;
  readonly usd_per_unit: number;
  readonly usd_per_million_payments: number;
}

export interface CostBreakdown {
  readonly usd_per_million_payments: number;
  readonly usd_per_payment: number;
  readonly by_service: Record<string, number>;
  readonly lines: readonly CostLine[];
  readonly regions: number;
  readonly formula: string;
}

const MILLION = 1_000_000;

/** A bill line before it is named after its unit (payment, payout, conversion). */
interface NeutralLine {
  readonly id: string;
  readonly service: string;
  readonly what: string;
  readonly basis: CostLine['basis'];
  readonly how: string;
  readonly quantity: number;
  readonly unit: string;
  readonly price: string;
  readonly usdPerUnit: number;
}

/** Every line of the bill for one unit of traffic, with `counts` the billable units one unit causes. */
const billLines = (counts: BillableCounts, table: PriceTable, logBasis: CostLine['basis']): NeutralLine[] => {
  const regions = table.assumptions.regions?.value ?? 2;
  const overhead = table.assumptions.cloudwatch_logs_event_overhead_bytes?.value ?? 26;
  const bytesPerGb = table.assumptions.cloudwatch_logs_bytes_per_gb?.value ?? 2 ** 30;
  const lines: NeutralLine[] = [];
  const line = (id: string, service: string, what: string, basis: CostLine['basis'], how: string, quantity: number, priceId: string) => {
    const price = table.prices[priceId];
    if (!price) throw new Error(`bench/prices.json has no price '${priceId}'`);
    lines.push({ id, service, what, basis, how, quantity, unit: price.unit, price: priceId, usdPerUnit: price.usd / price.per });
  };

  line('api_gateway_requests', 'API Gateway', 'REST API requests (merchant calls and acquirer webhooks)', 'measured', 'access log of the local API Gateway emulator', counts.apiRequests, 'api_gateway_rest_request');
  line('waf_requests', 'WAF', 'requests inspected by the web ACL in front of the stage', 'measured', 'same count as API Gateway requests', counts.apiRequests, 'waf_request');
  line('lambda_requests', 'Lambda', 'invocations, every function', 'measured', 'local Lambda host (the authorizer runs on every request locally; AWS caches it 30 s per key)', counts.lambdaInvocations, 'lambda_request');
  line('lambda_duration', 'Lambda', 'duration × declared memory, arm64', 'measured', 'local handler durations rounded up to 1 ms, times platform/functions.ts memoryMb / 1024', counts.lambdaGbSeconds, 'lambda_gb_second_arm64');
  line('step_functions_transitions', 'Step Functions', 'Standard state transitions (capture windows, payouts, recoveries)', 'measured', 'local engine: states entered plus retries, Standard workflows only', counts.stepFunctionsTransitions, 'step_functions_standard_transition');
  line('step_functions_express_requests', 'Step Functions', 'Express executions (payment, refund runs)', 'measured', 'local engine: Express executions started', counts.stepFunctionsExpressRequests, 'step_functions_express_request');
  line('step_functions_express_duration', 'Step Functions', 'Express duration × 64 MB', 'measured', 'local engine: each Express run\'s duration rounded up to 100 ms, × 64 MB', counts.stepFunctionsExpressGbSeconds, 'step_functions_express_gb_second');
  const rules = 'AWS billing rules applied to the item images either side of each write (bench/lib/capacity-units.ts)';
  line(
    'dynamodb_table_writes_serving_region',
    'DynamoDB',
    'replicated write units, tables, region serving the payment',
    'measured',
    `${rules}: per started KB of the larger image, a transactional item (TransactWriteItems, ConditionCheck included) 2×; DynamoDB Local's own report is per_payment.dynamodb.dynamodb_local_reported`,
    counts.dynamoDbTableWriteUnits,
    'dynamodb_replicated_write_request_unit',
  );
  line(
    'dynamodb_table_writes_replica_regions',
    'DynamoDB',
    `replicated write units, tables, the other ${regions - 1} region(s)`,
    'estimated',
    `${rules}: each write that changed an item, replicated as one write per started KB in each other region (a transactional item is not doubled there: the transaction ran in the serving region) × ${regions - 1}`,
    counts.dynamoDbReplicaWriteUnits * (regions - 1),
    'dynamodb_replicated_write_request_unit',
  );
  line(
    'dynamodb_index_writes',
    'DynamoDB',
    `GSI write units, ${regions} regions`,
    'measured',
    `${rules}: every index whose entry changes, sized by what it projects (KEYS_ONLY, ALL), a changed index key a delete plus a put, not doubled in transactions; × ${regions} (each replica updates its own GSIs, billed as plain write units)`,
    counts.dynamoDbIndexWriteUnits * regions,
    'dynamodb_write_request_unit',
  );
  line(
    'dynamodb_failed_writes',
    'DynamoDB',
    'writes refused by a condition or a cancelled transaction (serving region)',
    'estimated',
    `refused conditional writes by AWS's rule (per started KB of the existing item, 1 if none): ${counts.dynamoDbRefusedWriteUnits.toFixed(4)}; items of cancelled transactions, estimated at 2 per started KB of the item (AWS reports no capacity for them): ${counts.dynamoDbCancelledTransactionWriteUnits.toFixed(4)}`,
    counts.dynamoDbRefusedWriteUnits + counts.dynamoDbCancelledTransactionWriteUnits,
    'dynamodb_replicated_write_request_unit',
  );
  line(
    'dynamodb_reads',
    'DynamoDB',
    'read units, tables and GSIs (serving region)',
    'measured',
    `${rules}: per started 4 KB, eventually consistent ½, strongly consistent 1, transactional 2; GetItem/BatchGetItem per item, Query/Scan the summed size of the items read`,
    counts.dynamoDbReadUnits,
    'dynamodb_read_request_unit',
  );
  line('kms_requests', 'KMS', 'requests to the data and fingerprint keys', 'measured', 'local KMS request counter (one shared data-key cache locally: a lower bound, see docs/benchmarks.md)', counts.kmsRequests, 'kms_request');
  line(
    'sqs_requests',
    'SQS',
    'webhook delivery queue requests (sends, receives, deletes, visibility changes)',
    'measured',
    "local SQS (local/sqs.ts): every billable request per 64 KB chunk; Lambda's long polls of an idle queue are a cost per unit of time, left out",
    counts.sqsRequests,
    'sqs_fair_queue_request',
  );
  // Each log group class at its own ingestion price; the class of each source is the platform's (bench/lib/log-classes.ts).
  const ingestion = `(bytes + ${overhead} × events) / ${bytesPerGb}; see log_volume`;
  const standardBytes = counts.logBytes - counts.infrequentAccessLogBytes;
  const standardEvents = counts.logEvents - counts.infrequentAccessLogEvents;
  line(
    'cloudwatch_logs',
    'CloudWatch Logs',
    `log ingestion, Standard log groups: ${logSourcesOfClass('STANDARD').join(', ')}`,
    logBasis,
    ingestion,
    (standardBytes + overhead * standardEvents) / bytesPerGb,
    'cloudwatch_logs_ingestion',
  );
  line(
    'cloudwatch_logs_infrequent_access',
    'CloudWatch Logs',
    `log ingestion, Infrequent Access log groups: ${logSourcesOfClass('INFREQUENT_ACCESS').join(', ') || 'none'}`,
    logBasis,
    ingestion,
    (counts.infrequentAccessLogBytes + overhead * counts.infrequentAccessLogEvents) / bytesPerGb,
    'cloudwatch_logs_ingestion_infrequent_access',
  );
  return lines;
};

const byServiceOf = (lines: readonly { service: string; usd: number }[]): Record<string, number> => {
  const byService: Record<string, number> = {};
  for (const entry of lines) byService[entry.service] = (byService[entry.service] ?? 0) + entry.usd;
  return byService;
};

export const costPerMillionPayments = (counts: BillableCounts, table: PriceTable, logBasis: CostLine['basis'] = 'modeled'): CostBreakdown => {
  const lines: CostLine[] = billLines(counts, table, logBasis).map((entry) => ({
    id: entry.id,
    service: entry.service,
    what: entry.what,
    basis: entry.basis,
    how: entry.how,
    quantity_per_payment: entry.quantity,
    quantity_per_million_payments: entry.quantity * MILLION,
    unit: entry.unit,
    price: entry.price,
    usd_per_unit: entry.usdPerUnit,
    usd_per_million_payments: entry.quantity * MILLION * entry.usdPerUnit,
  }));
  const total = lines.reduce((sum, entry) => sum + entry.usd_per_million_payments, 0);
  return {
    usd_per_million_payments: total,
    usd_per_payment: total / MILLION,
    by_service: byServiceOf(lines.map((entry) => ({ service: entry.service, usd: entry.usd_per_million_payments }))),
    lines,
    regions: table.assumptions.regions?.value ?? 2,
    formula: 'each line: quantity_per_million_payments × usd_per_unit = usd_per_million_payments; total = Σ lines',
  };
};

/**
 * The same bill for another unit of traffic (a payout, a conversion): the same lines and prices, with keys
 * named after the unit (`quantity_per_payout`, `usd_per_million_payouts`...). `counts` are what one unit
 * caused (bench/lib/attribution.ts).
 */
export type UnitCostLine<Unit extends string> = Omit<CostLine, 'quantity_per_payment' | 'quantity_per_million_payments' | 'usd_per_million_payments'> &
  Record<`quantity_per_${Unit}` | `quantity_per_million_${Unit}s` | `usd_per_million_${Unit}s`, number>;

export type UnitCostBreakdown<Unit extends string> = Record<`usd_per_million_${Unit}s` | `usd_per_${Unit}`, number> & {
  readonly unit: Unit;
  readonly by_service: Record<string, number>;
  readonly lines: readonly UnitCostLine<Unit>[];
  readonly regions: number;
  readonly formula: string;
};

export const costPerMillionUnits = <Unit extends string>(unit: Unit, counts: BillableCounts, table: PriceTable, logBasis: CostLine['basis'] = 'modeled'): UnitCostBreakdown<Unit> => {
  const neutral = billLines(counts, table, logBasis);
  const lines = neutral.map(
    (entry) =>
      ({
        id: entry.id,
        service: entry.service,
        what: entry.what,
        basis: entry.basis,
        how: entry.how,
        [`quantity_per_${unit}`]: entry.quantity,
        [`quantity_per_million_${unit}s`]: entry.quantity * MILLION,
        unit: entry.unit,
        price: entry.price,
        usd_per_unit: entry.usdPerUnit,
        [`usd_per_million_${unit}s`]: entry.quantity * MILLION * entry.usdPerUnit,
      }) as UnitCostLine<Unit>,
  );
  const total = neutral.reduce((sum, entry) => sum + entry.quantity * MILLION * entry.usdPerUnit, 0);
  return {
    [`usd_per_million_${unit}s`]: total,
    [`usd_per_${unit}`]: total / MILLION,
    unit,
    by_service: byServiceOf(neutral.map((entry) => ({ service: entry.service, usd: entry.quantity * MILLION * entry.usdPerUnit }))),
    lines,
    regions: table.assumptions.regions?.value ?? 2,
    formula: `each line: quantity_per_million_${unit}s × usd_per_unit = usd_per_million_${unit}s; total = Σ lines`,
  } as unknown as UnitCostBreakdown<Unit>;
};
