/**
 * Where the platform runs. One place: the CDK app (bin/) and the local runtime (local/) read it.
 *
 * Both regions sit in the US so that a later move of the ledger to multi-region strong consistency
 * (which needs a single region set) stays open; us-east-1 and us-west-2 also have the higher
 * Step Functions transition quotas (docs/decisions/0001-regions-and-stacks.md).
 */
export const deployment = {
  appName: 'xborder',
  primaryRegion: 'us-east-1',
  secondaryRegion: 'us-west-2',
  /** API stage name in AWS; the local runtime uses the same name in its events. */
  apiStageName: 'prod',
  /** CloudWatch log retention for every log group (PCI DSS 10.7: keep a year of audit trail). */
  logRetentionDays: 365,
  /**
   * Every function's log levels (Lambda advanced logging controls, JSON format). Application lines at INFO
   * and above. Lambda's own records at WARN: the platform.start and platform.report records of every
   * invocation are INFO and are dropped; Lambda's metrics (Duration, Errors, Throttles) and X-Ray keep
   * what they said (docs/operations.md, "Logs"; docs/decisions/0015-log-volume.md).
   */
  functionLogLevels: { application: 'INFO', system: 'WARN' },
} as const;

export type RegionRole = 'primary' | 'secondary';

export const regionFor = (role: RegionRole): string =>
  role === 'primary' ? deployment.primaryRegion : deployment.secondaryRegion;
