import { deployment } from '../../platform/deployment';

/**
 * Which kind of log group each log source of the report (`log_volume.sources`) is written to. Its class, and
 * so its ingestion price, is the platform's declaration (platform/deployment.ts `logGroupClasses`, which the
 * CDK app builds the log groups from): the bench keeps no list of its own (decision record 0058).
 */
export const LOG_SOURCE_GROUPS = {
  function_logs: 'functions',
  function_metrics_emf: 'functions',
  lambda_platform_records: 'functions',
  api_gateway_access_logs: 'apiAccessLogs',
  waf_logs: 'waf',
  step_functions_all_level: 'stateMachines',
} as const satisfies Record<string, keyof typeof deployment.logGroupClasses>;

export type LogSource = keyof typeof LOG_SOURCE_GROUPS;
export type LogClass = 'STANDARD' | 'INFREQUENT_ACCESS';

/** The class of the log group a source writes to; a source nobody placed stops the run. */
export const logClassOf = (source: string, classes: Readonly<Record<keyof typeof deployment.logGroupClasses, string>> = deployment.logGroupClasses): LogClass => {
  const kind = LOG_SOURCE_GROUPS[source as LogSource];
  if (kind === undefined) throw new Error(`log source '${source}' is written to no declared kind of log group (bench/lib/log-classes.ts)`);
  return classes[kind] as LogClass;
};

/** The sources of one class, for the bill's lines to say what they price. */
export const logSourcesOfClass = (logClass: LogClass): LogSource[] => (Object.keys(LOG_SOURCE_GROUPS) as LogSource[]).filter((source) => logClassOf(source) === logClass);
