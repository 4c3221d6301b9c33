import { riskRulesOf } from '../domain/merchant';
import type { RiskRuleSet } from '../domain/risk';
import { cachedMerchantProfile } from './merchant-profile';

/**
 * The risk rule set in force for a merchant, as screening reads it: from the merchant's cached profile
 * (./merchant-profile.ts); the platform's defaults where the merchant has set none (domain/risk.ts).
 */
export const merchantRiskRules = async (merchantId: string): Promise<RiskRuleSet> => riskRulesOf(await cachedMerchantProfile(merchantId));
