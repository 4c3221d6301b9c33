import { DynamoDbMerchantRepository } from '../adapters/dynamodb/merchant-repository';
import { riskRulesOf } from '../domain/merchant';
import type { RiskRuleSet } from '../domain/risk';
import { dynamoDbDocumentClient } from './clients';
import { tableNameFromEnv } from './config';

/**
 * The risk rule set in force for a merchant, as screening reads it: from the merchant's profile, read at
 * most every 30 s per function instance (a new version applies within that), so a payment pays no extra
 * round trip on the hot path; the platform's defaults where the merchant has set none (domain/risk.ts).
 */
const RULES_CACHE_MS = 30_000;
const cache = new Map<string, { readonly rules: RiskRuleSet; readonly readAt: number }>();
let merchants: DynamoDbMerchantRepository | undefined;

export const merchantRiskRules = async (merchantId: string): Promise<RiskRuleSet> => {
  const cached = cache.get(merchantId);
  if (cached && Date.now() - cached.readAt < RULES_CACHE_MS) return cached.rules;
  merchants ??= new DynamoDbMerchantRepository(dynamoDbDocumentClient(), tableNameFromEnv('merchants'));
  const rules = riskRulesOf(await merchants.getMerchant(merchantId));
  cache.set(merchantId, { rules, readAt: Date.now() });
  return rules;
};
