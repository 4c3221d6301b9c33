import * as z from 'zod/mini';
import { type TableKey, tableEnvVar } from '../../platform/tables';

/**
 * The one reader of the environment in lambdas/: no other module reads the process's environment (a unit test checks).
 * What a function is configured with comes from platform/ (functions.ts derives each function's variables,
 * lib/ sets them in AWS, local/lambda-host.ts and local/runtime.ts set them locally in the one shared
 * process), and is read here:
 * - `readConfig` parses a module's own variables against a zod schema and fails loudly naming each bad one;
 * - `awsRegion` is AWS_REGION, parsed once per module instance (the region never changes under a function);
 * - named readers for the variables of one kind: a granted table, a required or optional variable;
 * - `secretValue` / `storeSecretValue` for the variables shared/secrets.ts refreshes from Secrets Manager,
 *   which are read at each use because a rotation changes them under a warm instance;
 * - `processEnvironment` for the adapters whose `...FromEnv(env)` parse their own part (tests hand them another).
 */
const environment = (): NodeJS.ProcessEnv => process.env;

/** Configuration missing or malformed at start: the function refuses to run rather than half-run. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Parse the environment against a schema; fail loudly naming every bad variable. */
export const readConfig = <Shape extends z.core.$ZodLooseShape>(shape: Shape): z.infer<z.ZodMiniObject<Shape>> => {
  const parsed = z.object(shape).safeParse(environment());
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigurationError(`Invalid environment: ${problems.join('; ')}`);
  }
  return parsed.data;
};

/** Parsed on first use, then kept: configuration is fixed for a module instance. */
const once = <T>(parse: () => T): (() => T) => {
  let parsed: { readonly value: T } | undefined;
  return () => (parsed ??= { value: parse() }).value;
};

const nonEmpty = z.string().check(z.minLength(1));

/** The region this code runs in: AWS_REGION, which Lambda always sets (the local runtime and the tests set the primary). */
export const awsRegion = once((): string => readConfig({ AWS_REGION: nonEmpty }).AWS_REGION);

/** Powertools' service name and metrics namespace (lib/ sets them for every function; `xborder` otherwise). */
export const powertoolsConfig = once(() => {
  const config = readConfig({ POWERTOOLS_SERVICE_NAME: z.optional(z.string()), POWERTOOLS_METRICS_NAMESPACE: z.optional(z.string()) });
  return { serviceName: config.POWERTOOLS_SERVICE_NAME || 'xborder', metricsNamespace: config.POWERTOOLS_METRICS_NAMESPACE || 'xborder' };
});

/** A variable the function cannot run without (a state machine's ARN, a queue's URL, a key's ARN). */
export const requiredVariable = (variable: string): string => {
  const value = environment()[variable];
  if (!value) throw new ConfigurationError(`Invalid environment: ${variable} is not set`);
  return value;
};

/** A variable that may be absent or empty (then undefined). */
export const optionalVariable = (variable: string): string | undefined => environment()[variable] || undefined;

/** The name of a table this function was granted, from the variable platform/functions.ts sets. */
export const tableNameFromEnv = (table: TableKey): string => requiredVariable(tableEnvVar(table));

/** The name of a table the function may use when granted (absent: the feature is off for it). */
export const optionalTableNameFromEnv = (table: TableKey): string | undefined => optionalVariable(tableEnvVar(table));

/** A secret's current value (shared/secrets.ts refreshes it in place): read at each use, never kept. */
export const secretValue = (variable: string): string | undefined => environment()[variable] || undefined;

/** Store a refreshed secret where `secretValue` and the adapters' configuration read it; true when it changed. */
export const storeSecretValue = (variable: string, value: string): boolean => {
  const env = environment();
  if (env[variable] === value) return false;
  env[variable] = value;
  return true;
};

/** The environment as a whole, for adapters whose `...FromEnv(env)` parse their own variables. */
export const processEnvironment = (): NodeJS.ProcessEnv => environment();
