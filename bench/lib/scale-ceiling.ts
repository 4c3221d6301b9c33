import { UNRESERVED } from '../../platform/functions';
import type { PriceTable } from './cost-model';

/**
 * The payments per second one region can sustain before a quota throttles it, from the per-payment
 * counts: quota ÷ use per payment, for every quota the payment path consumes. AWS default quotas and the
 * platform's own limits (reserved concurrency, stage throttle) are listed apart; the lowest of each kind
 * is the one that binds first. Lambda concurrency follows Little's law (invocations per payment × duration
 * is the concurrency one payment per second needs), so it rests on locally measured durations: the service
 * times of the bench's sequential calibration (run-bench.ts), not the window's means, which include the
 * queueing of many runs on this machine's 2 cores that AWS, an own CPU per invocation, does not have.
 */
export interface CeilingInput {
  readonly stepFunctionsTransitions: number;
  /** Standard StartExecution calls per payment. */
  readonly stepFunctionsStarts: number;
  /** Express starts (StartSyncExecution, StartExecution) per payment. */
  readonly stepFunctionsExpressStarts: number;
  readonly kmsRequests: number;
  /** Per table, serving region: write units (table + GSIs) and read units per payment. */
  readonly dynamoDbTables: Readonly<Record<string, { readonly writeUnits: number; readonly readUnits: number }>>;
  /** Requests per payment reaching the API stage (merchant calls and webhooks). */
  readonly apiRequests: number;
  /** Of those, acquirer and rail webhooks (their method has a throttle of its own). */
  readonly webhookRequests: number;
  /** Per function: invocations per payment, mean duration, reserved concurrency. */
  readonly functions: Readonly<Record<string, { readonly invocations: number; readonly meanDurationMs: number; readonly reservedConcurrency: number | typeof UNRESERVED }>>;
  /** Σ reserved concurrency over every declared function (platform/functions.ts): the pool is the quota minus it. */
  readonly reservedConcurrencyTotal: number;
  /** The merchant stage's and the webhook method's throttles (platform/deployment.ts apiThrottles). */
  readonly stageRateLimit: number;
  readonly webhookRateLimit: number;
}

export interface Ceiling {
  readonly id: string;
  readonly kind: 'aws_default_quota' | 'platform_setting';
  readonly what: string;
  readonly limit: number;
  readonly limit_unit: string;
  readonly use_per_payment: number;
  /** limit ÷ use per payment; null when a payment does not use it. */
  readonly payments_per_second: number | null;
  readonly source: string;
}

export interface ScaleCeilings {
  readonly ceilings: readonly Ceiling[];
  /** The AWS default quota reached first, and at how many payments per second. */
  readonly binding_aws_quota: Ceiling | null;
  /** The first limit of any kind (a platform setting can bind before any AWS quota). */
  readonly binding_overall: Ceiling | null;
  readonly note: string;
}

const ceiling = (entry: Omit<Ceiling, 'payments_per_second'>): Ceiling => ({
  ...entry,
  payments_per_second: entry.use_per_payment > 0 ? entry.limit / entry.use_per_payment : null,
});

/** The ceilings for traffic of another unit (payouts): the same limits with keys named after the unit. */
export type UnitCeiling<Unit extends string> = Omit<Ceiling, 'use_per_payment' | 'payments_per_second'> & Record<`use_per_${Unit}`, number> & Record<`${Unit}s_per_second`, number | null>;

export interface UnitScaleCeilings<Unit extends string> {
  readonly unit: Unit;
  readonly ceilings: readonly UnitCeiling<Unit>[];
  readonly binding_aws_quota: UnitCeiling<Unit> | null;
  readonly binding_overall: UnitCeiling<Unit> | null;
  readonly note: string;
}

/** `input` holds what one `unit` uses; the figures are `unit`s per second. */
export const scaleCeilingsPer = <Unit extends string>(unit: Unit, input: CeilingInput, prices: PriceTable): UnitScaleCeilings<Unit> => {
  const rename = (entry: Ceiling | null): UnitCeiling<Unit> | null => {
    if (!entry) return null;
    const { use_per_payment, payments_per_second, ...rest } = entry;
    return { ...rest, what: rest.what.replace(/per payment/g, `per ${unit}`), [`use_per_${unit}`]: use_per_payment, [`${unit}s_per_second`]: payments_per_second } as unknown as UnitCeiling<Unit>;
  };
  const computed = scaleCeilings(input, prices);
  return {
    unit,
    ceilings: computed.ceilings.map((entry) => rename(entry) as UnitCeiling<Unit>),
    binding_aws_quota: rename(computed.binding_aws_quota),
    binding_overall: rename(computed.binding_overall),
    note: computed.note,
  };
};

export const scaleCeilings = (input: CeilingInput, prices: PriceTable): ScaleCeilings => {
  const quota = (id: string) => {
    const found = prices.quotas[id];
    if (!found) throw new Error(`bench/prices.json has no quota '${id}'`);
    return found;
  };
  const ceilings: Ceiling[] = [];
  const transitions = quota('step_functions_transitions_per_second');
  ceilings.push(
    ceiling({
      id: 'step_functions_state_transitions',
      kind: 'aws_default_quota',
      what: `${transitions.what} (bursts to ${transitions.burst})`,
      limit: transitions.value,
      limit_unit: 'transitions/s',
      use_per_payment: input.stepFunctionsTransitions,
      source: transitions.source,
    }),
  );
  const starts = quota('step_functions_start_execution_per_second');
  ceilings.push(
    ceiling({
      id: 'step_functions_start_execution',
      kind: 'aws_default_quota',
      what: `${starts.what} (bursts to ${starts.burst})`,
      limit: starts.value,
      limit_unit: 'StartExecution/s',
      use_per_payment: input.stepFunctionsStarts,
      source: starts.source,
    }),
  );
  const expressStarts = quota('step_functions_express_start_per_second');
  ceilings.push(
    ceiling({
      id: 'step_functions_express_starts',
      kind: 'aws_default_quota',
      what: `${expressStarts.what} (bursts to ${expressStarts.burst})`,
      limit: expressStarts.value,
      limit_unit: 'Express starts/s',
      use_per_payment: input.stepFunctionsExpressStarts,
      source: expressStarts.source,
    }),
  );
  const kms = quota('kms_symmetric_requests_per_second');
  ceilings.push(ceiling({ id: 'kms_requests', kind: 'aws_default_quota', what: kms.what, limit: kms.value, limit_unit: 'requests/s', use_per_payment: input.kmsRequests, source: kms.source }));
  const tableWrites = quota('dynamodb_on_demand_table_write_units_per_second');
  const tableReads = quota('dynamodb_on_demand_table_read_units_per_second');
  for (const [table, use] of Object.entries(input.dynamoDbTables)) {
    ceilings.push(
      ceiling({
        id: `dynamodb_writes:${table}`,
        kind: 'aws_default_quota',
        what: `${tableWrites.what}: ${table} (table and GSI units together)`,
        limit: tableWrites.value,
        limit_unit: 'WRU/s',
        use_per_payment: use.writeUnits,
        source: tableWrites.source,
      }),
      ceiling({
        id: `dynamodb_reads:${table}`,
        kind: 'aws_default_quota',
        what: `${tableReads.what}: ${table}`,
        limit: tableReads.value,
        limit_unit: 'RRU/s',
        use_per_payment: use.readUnits,
        source: tableReads.source,
      }),
    );
  }
  const concurrency = quota('lambda_concurrent_executions');
  const secondsPerPayment = Object.values(input.functions).reduce((sum, fn) => sum + (fn.invocations * fn.meanDurationMs) / 1000, 0);
  ceilings.push(
    ceiling({
      id: 'lambda_account_concurrency',
      kind: 'aws_default_quota',
      what: `${concurrency.what}; use = Σ invocations × service time (s) per payment`,
      limit: concurrency.value,
      limit_unit: 'concurrent executions',
      use_per_payment: secondsPerPayment,
      source: concurrency.source,
    }),
  );
  const pooled = Object.entries(input.functions).filter(([, fn]) => fn.reservedConcurrency === UNRESERVED);
  ceilings.push(
    ceiling({
      id: 'lambda_unreserved_pool',
      kind: 'platform_setting',
      what: `the account's unreserved pool: ${concurrency.value} minus ${input.reservedConcurrencyTotal} reserved (platform/functions.ts); use = Σ invocations × service time (s) of the ${pooled.length} unreserved functions`,
      limit: concurrency.value - input.reservedConcurrencyTotal,
      limit_unit: 'concurrent executions',
      use_per_payment: pooled.reduce((sum, [, fn]) => sum + (fn.invocations * fn.meanDurationMs) / 1000, 0),
      source: 'platform/functions.ts',
    }),
  );
  for (const [name, fn] of Object.entries(input.functions)) {
    if (fn.invocations <= 0 || fn.reservedConcurrency === UNRESERVED) continue;
    ceilings.push(
      ceiling({
        id: `lambda_reserved_concurrency:${name}`,
        kind: 'platform_setting',
        what: `${name}: reserved concurrency ${fn.reservedConcurrency} (platform/functions.ts); use = ${fn.invocations.toFixed(3)} invocations × ${fn.meanDurationMs.toFixed(1)} ms`,
        limit: fn.reservedConcurrency,
        limit_unit: 'concurrent executions',
        use_per_payment: (fn.invocations * fn.meanDurationMs) / 1000,
        source: 'platform/functions.ts',
      }),
    );
  }
  const account = quota('api_gateway_account_requests_per_second');
  ceilings.push(
    ceiling({
      id: 'api_gateway_account_requests',
      kind: 'aws_default_quota',
      what: `${account.what} (bursts to ${account.burst}); use = every request of the payment, webhooks included`,
      limit: account.value,
      limit_unit: 'requests/s',
      use_per_payment: input.apiRequests,
      source: account.source,
    }),
    ceiling({
      id: 'api_stage_throttle',
      kind: 'platform_setting',
      what: `merchant API stage throttle ${input.stageRateLimit} requests/s (platform/deployment.ts apiThrottles.merchant); use = merchant requests`,
      limit: input.stageRateLimit,
      limit_unit: 'requests/s',
      use_per_payment: input.apiRequests - input.webhookRequests,
      source: 'platform/deployment.ts',
    }),
    ceiling({
      id: 'api_webhook_throttle',
      kind: 'platform_setting',
      what: `acquirer and rail webhook method throttle ${input.webhookRateLimit} requests/s (platform/deployment.ts apiThrottles.webhooks)`,
      limit: input.webhookRateLimit,
      limit_unit: 'requests/s',
      use_per_payment: input.webhookRequests,
      source: 'platform/deployment.ts',
    }),
  );
  const bound = (kind?: Ceiling['kind']) =>
    ceilings
      .filter((entry) => entry.payments_per_second !== null && (kind === undefined || entry.kind === kind))
      .sort((a, b) => (a.payments_per_second as number) - (b.payments_per_second as number))[0] ?? null;
  return {
    ceilings: [...ceilings].sort((a, b) => (a.payments_per_second ?? Number.POSITIVE_INFINITY) - (b.payments_per_second ?? Number.POSITIVE_INFINITY)),
    binding_aws_quota: bound('aws_default_quota'),
    binding_overall: bound(),
    note: 'Per region, sustained rates (bursts above them drain the token buckets first). The secondary region has the same quotas and takes over the same load; it does not add capacity for one merchant unless traffic is split between regions. Per-partition limits (1,000 write and 3,000 read units a second per partition key value) bind one merchant, not the region: `scale_ceiling.one_merchant`, measured per key value (bench/lib/hot-partitions.ts).',
  };
};

/**
 * The ceilings of the run's whole traffic: `input` holds everything the window caused per payment (its
 * payouts and conversions in the mix's proportion, `per`), so each limit says how many payments per second
 * of this mix a region sustains, and the payouts and conversions per second that come with them.
 */
export const mixCeilings = (input: CeilingInput, prices: PriceTable, per: { readonly payouts: number; readonly conversions: number }) => {
  const computed = scaleCeilings(input, prices);
  const withUnits = (entry: Ceiling | null) =>
    entry && {
      ...entry,
      payouts_per_second: entry.payments_per_second === null ? null : entry.payments_per_second * per.payouts,
      conversions_per_second: entry.payments_per_second === null ? null : entry.payments_per_second * per.conversions,
    };
  return {
    per_payment_of_the_mix: per,
    ceilings: computed.ceilings.map(withUnits),
    binding_aws_quota: withUnits(computed.binding_aws_quota),
    binding_overall: withUnits(computed.binding_overall),
    note: "The run's whole traffic per payment (its payouts and conversions in the mix's proportion, `per_payment_of_the_mix`): payments/s of this mix a region sustains, and the payouts/s and conversions/s that come with them.",
  };
};
