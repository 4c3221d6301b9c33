import * as z from 'zod/mini';
import { type TableKey, tableEnvVar } from '../../platform/tables';

/** Configuration missing or malformed at start: the function refuses to run rather than half-run. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Parse `process.env` once, at module load, against a schema; fail loudly naming every bad variable. */
export const readConfig = <Shape extends z.core.$ZodLooseShape>(shape: Shape): z.infer<z.ZodMiniObject<Shape>> => {
  const parsed = z.object(shape).safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigurationError(`Invalid environment: ${problems.join('; ')}`);
  }
  return parsed.data;
};

/** The name of a table this function was granted, from the variable platform/functions.ts sets. */
export const tableNameFromEnv = (table: TableKey): string => {
  const variable = tableEnvVar(table);
  const value = process.env[variable];
  if (!value) throw new ConfigurationError(`Invalid environment: ${variable} is not set`);
  return value;
};
