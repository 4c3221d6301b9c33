/**
 * Where the platform runs. One place: the CDK app (bin/) and the local runtime (local/) read it.
 *
 * Both regions sit in the US so that a later move of the ledger to multi-region strong consistency
 * (which needs a single region set) stays open; us-east-1 and us-west-2 also have the higher
 * Step Functions transition quotas (docs/decisions/0001-regions-and-stacks.md).
 *
 * Stages (docs/decisions/0034-stages.md, docs/deploy.md): `dev` (the default, and what the local runtime and
 * the tests use), `staging` and `prod`. A stage names every resource (its `appName` prefixes tables,
 * functions, state machines, queues, alarms, dashboards, roles; its `stackPrefix` the stacks), so stages can
 * share an account; it picks the regions, tags every resource, and says whether money is live: `prod` issues
 * `sk_live_` keys and answers `livemode: true`. `dev` keeps the bare `xborder` names.
 */
export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageSettings {
  readonly appName: string;
  readonly stackPrefix: string;
  readonly primaryRegion: string;
  readonly secondaryRegion: string;
  /** Live money: secret keys `sk_live_` / `rk_live_`, every object `livemode: true`. */
  readonly live: boolean;
  /** Tags on every resource (cost allocation, ownership, the data each stage may hold). */
  readonly tags: Readonly<Record<'environment' | 'owner' | 'cost-centre' | 'data-classification', string>>;
}

const OWNER = 'payments-platform';

export const stages: Readonly<Record<Stage, StageSettings>> = {
  dev: {
    appName: 'xborder',
    stackPrefix: 'Xborder',
    primaryRegion: 'us-east-1',
    secondaryRegion: 'us-west-2',
    live: false,
    tags: { environment: 'dev', owner: OWNER, 'cost-centre': 'payments-engineering', 'data-classification': 'test-data-only' },
  },
  staging: {
    appName: 'xborder-staging',
    stackPrefix: 'XborderStaging',
    primaryRegion: 'us-east-1',
    secondaryRegion: 'us-west-2',
    live: false,
    tags: { environment: 'staging', owner: OWNER, 'cost-centre': 'payments-engineering', 'data-classification': 'test-data-only' },
  },
  prod: {
    appName: 'xborder-prod',
    stackPrefix: 'XborderProd',
    primaryRegion: 'us-east-1',
    secondaryRegion: 'us-west-2',
    live: true,
    tags: { environment: 'prod', owner: OWNER, 'cost-centre': 'payments-operations', 'data-classification': 'pci-cardholder-data' },
  },
};

/** The environment variable that names the stage: lib/ sets it on every function; a script run against a stage sets it. */
export const STAGE_ENV_VAR = 'XBORDER_STAGE';

/**
 * The stage of this process: `XBORDER_STAGE`, else the CDK context's `stage` (`npx cdk synth -c stage=prod`: the
 * CLI hands the context to bin/payments.ts in CDK_CONTEXT_JSON), else `dev`. An unknown stage stops the process.
 */
export const stageOf = (env: Readonly<Record<string, string | undefined>>): Stage => {
  let fromContext: unknown;
  try {
    fromContext = (JSON.parse(env.CDK_CONTEXT_JSON ?? '{}') as { stage?: unknown }).stage;
  } catch {
    fromContext = undefined;
  }
  const given = env[STAGE_ENV_VAR] || fromContext || 'dev';
  if (!(STAGES as readonly unknown[]).includes(given)) throw new Error(`unknown stage '${String(given)}': use one of ${STAGES.join(', ')}`);
  return given as Stage;
};

const stage = stageOf(process.env);
const settings = stages[stage];

export const deployment = {
  stage,
  appName: settings.appName,
  stackPrefix: settings.stackPrefix,
  primaryRegion: settings.primaryRegion,
  secondaryRegion: settings.secondaryRegion,
  live: settings.live,
  tags: settings.tags,
  /** API stage name in AWS; the local runtime uses the same name in its events. */
  apiStageName: 'prod',
  /** CloudWatch log retention for every log group (PCI DSS 10.7: keep a year of audit trail). */
  logRetentionDays: 365,
  /**
   * The CloudWatch Logs class of each kind of log group (docs/decisions/0058-step-functions-logs-infrequent-access.md).
   * Infrequent Access ingests at half the Standard price and is read only with Logs Insights (no metric or
   * subscription filters, Live Tail, embedded metric format, GetLogEvents / FilterLogEvents). The state
   * machines' execution events, ~88 % of a payment's log bytes, are read only through the Step Functions
   * console (Logs Insights) and Logs Insights queries. Functions stay Standard: their metrics are embedded
   * metric format. The API access logs and the WAF logs stay Standard: little volume, and the first look in an
   * incident (Live Tail). A class is fixed when its log group is created: changing one here makes a new
   * log group (lib/constructs/log-groups.ts), the old one kept until its retention ends. The bench prices
   * each log source at its group's class (bench/lib/log-classes.ts).
   */
  logGroupClasses: { functions: 'STANDARD', stateMachines: 'INFREQUENT_ACCESS', apiAccessLogs: 'STANDARD', waf: 'STANDARD' },
  /**
   * Every function's log levels (Lambda advanced logging controls, JSON format). Application lines at INFO
   * and above. Lambda's own records at WARN: the platform.start and platform.report records of every
   * invocation are INFO and are dropped; Lambda's metrics (Duration, Errors, Throttles) and X-Ray keep
   * what they said (docs/operations.md, "Logs"; docs/decisions/0015-log-volume.md).
   */
  functionLogLevels: { application: 'INFO', system: 'WARN' },
  /**
   * API Gateway throttles per region (steady requests/s, burst), sized for 1,000 payments/s: a payment makes
   * about 2.75 merchant requests and 1.2 acquirer webhooks (npm run bench, scale_ceiling), so 2,750 and
   * 1,200 a second, inside the account's 10,000 requests/s (burst 5,000) that every API of the region
   * shares. Webhooks have a throttle of their own so an acquirer's flood cannot take the merchants' share
   * (acquirers retry a 429 with back-off); merchants are also limited per key by the WAF.
   */
  /**
   * The merchant API's custom domain, answered by Route 53 failover records (PRIMARY in the primary region,
   * SECONDARY in the other, each with an HTTPS health check of its region's API): undefined until a domain and
   * its public hosted zone exist, and then no domain, certificate or record is built
   * (docs/decisions/0024-home-region-routing-and-moves.md, docs/runbooks.md "Region loss").
   */
  merchantApiDomain: undefined as MerchantApiDomainConfig | undefined,
  /**
   * A global table's average ReplicationLatency to the other region (milliseconds, over 5 minutes) that pages:
   * usually about a second; a home-region move waits for the fence to replicate, and an unplanned failover loses
   * up to this much of the lost region's writes (decision 0004).
   */
  replicationLatencyAlarmMs: 30_000,
  apiThrottles: {
    merchant: { rateLimit: 4_000, burstLimit: 4_000 },
    webhooks: { rateLimit: 2_000, burstLimit: 1_000 },
    operator: { rateLimit: 20, burstLimit: 40 },
  },
} as const;

export interface MerchantApiDomainConfig {
  /** e.g. `api.example.com`: merchants call it; each region's API Gateway serves it with its own certificate. */
  readonly domainName: string;
  /** The public hosted zone that holds `domainName` (its id and name). */
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
}

export type RegionRole = 'primary' | 'secondary';

export const regionFor = (role: RegionRole): string =>
  role === 'primary' ? deployment.primaryRegion : deployment.secondaryRegion;
