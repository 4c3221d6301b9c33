import * as z from 'zod/mini';
import { DynamoDbFxRepository } from '../adapters/dynamodb/fx-repository';
import { SimulatedRateProvider } from '../adapters/fx/simulated-rate-provider';
import { DEFAULT_SPREAD_SCHEDULE, QUOTE_VALIDITIES, type SpreadSchedule, isValidSpreadSchedule } from '../domain/fx/quote';
import type { FxRepository } from '../ports/fx-repository';
import type { RateProvider } from '../ports/rate-provider';
import { dynamoDbDocumentClient } from '../shared/clients';
import { ConfigurationError, readConfig, tableNameFromEnv } from '../shared/config';

/**
 * The composition root of the FX area (lambdas/wiring/, decision 0037): what FX functions share, built once per instance: the `fx` table, the rate source and the spread
 * schedule. The schedule is DEFAULT_SPREAD_SCHEDULE unless FX_SPREAD_SCHEDULE holds a JSON object that
 * overrides some of its fields (e.g. `{"otherBps": 75}`); an invalid one fails at start.
 */
let repository: FxRepository | undefined;
let rates: RateProvider | undefined;
let spreads: SpreadSchedule | undefined;

export const fxRepository = (): FxRepository => {
  repository ??= new DynamoDbFxRepository(dynamoDbDocumentClient(), tableNameFromEnv('fx'));
  return repository;
};

export const rateProvider = (): RateProvider => {
  rates ??= new SimulatedRateProvider();
  return rates;
};

const bps = z.int().check(z.minimum(0), z.maximum(1_000));
const overrideSchema = z.partial(
  z.strictObject({
    majors: z.array(z.string().check(z.regex(/^[A-Z]{3}$/))),
    majorBps: bps,
    otherBps: bps,
    validityAddOnBps: z.strictObject(Object.fromEntries(QUOTE_VALIDITIES.map((validity) => [validity, bps])) as Record<(typeof QUOTE_VALIDITIES)[number], typeof bps>),
  }),
);

export const spreadSchedule = (): SpreadSchedule => {
  if (!spreads) {
    const { FX_SPREAD_SCHEDULE } = readConfig({ FX_SPREAD_SCHEDULE: z.optional(z.string()) });
    let override: z.infer<typeof overrideSchema> = {};
    if (FX_SPREAD_SCHEDULE) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(FX_SPREAD_SCHEDULE);
      } catch {
        throw new ConfigurationError('Invalid environment: FX_SPREAD_SCHEDULE must be JSON');
      }
      const checked = overrideSchema.safeParse(parsed);
      if (!checked.success) throw new ConfigurationError(`Invalid environment: FX_SPREAD_SCHEDULE: ${checked.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
      override = checked.data;
    }
    const schedule: SpreadSchedule = { ...DEFAULT_SPREAD_SCHEDULE, ...override };
    if (!isValidSpreadSchedule(schedule)) throw new ConfigurationError('Invalid environment: FX_SPREAD_SCHEDULE makes a spread above 1,000 bps');
    spreads = schedule;
  }
  return spreads;
};
