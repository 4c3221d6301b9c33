import { DynamoDbMerchantRepository } from '../../adapters/dynamodb/merchant-repository';
import { presentRiskRules, riskRuleContracts } from '../../contracts/risk-rules';
import { riskRulesOf } from '../../domain/merchant';
import { dynamoDbDocumentClient } from '../../shared/clients';
import { tableNameFromEnv } from '../../shared/config';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';

/** GET /v1/risk_rules: the merchant's risk rule set in force (its own latest version, or the platform's defaults). */
const merchants = new DynamoDbMerchantRepository(dynamoDbDocumentClient(), tableNameFromEnv('merchants'));

export const handler = merchantQueryEndpoint({
  operation: 'getRiskRules',
  query: riskRuleContracts.getRiskRules.query,
  handle: async (request) => {
    const merchant = await merchants.getMerchant(request.principal.merchantId);
    return { status: 200, body: presentRiskRules(request.principal.merchantId, riskRulesOf(merchant), merchant?.riskRules?.setAt) };
  },
});
