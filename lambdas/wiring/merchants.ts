import { DynamoDbMerchantRepository } from '../adapters/dynamodb/merchant-repository';
import type { MerchantRepository } from '../ports/merchant-repository';
import { dynamoDbDocumentClient } from '../shared/clients';
import { tableNameFromEnv } from '../shared/config';

/**
 * The composition root of the merchants area (profiles, API keys, risk and routing rules, onboarding). Naming
 * rule of lambdas/wiring/ (decision 0037): one module per area, one function per dependency named after the
 * port it returns, built on first use and kept for the module instance; handlers take their dependencies
 * from here and construct no adapter.
 */
let merchants: MerchantRepository | undefined;

/** Needs the `merchants` table granted (platform/functions.ts), with the actions the handler's use case calls. */
export const merchantRepository = (): MerchantRepository => {
  merchants ??= new DynamoDbMerchantRepository(dynamoDbDocumentClient(), tableNameFromEnv('merchants'));
  return merchants;
};
