import { presentRiskRules, riskRuleContracts } from '../../contracts/risk-rules';
import { riskRulesOf } from '../../domain/merchant';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { merchantRepository } from '../../wiring/merchants';

/** GET /v1/risk_rules: the merchant's risk rule set in force (its own latest version, or the platform's defaults). */
const merchants = merchantRepository();

export const handler = merchantQueryEndpoint({
  operation: 'getRiskRules',
  query: riskRuleContracts.getRiskRules.query,
  handle: async (request) => {
    const merchant = await merchants.getMerchant(request.principal.merchantId);
    return { status: 200, body: presentRiskRules(request.principal.merchantId, riskRulesOf(merchant), merchant?.riskRules?.setAt) };
  },
});
