import { DynamoDbMerchantRepository } from '../../adapters/dynamodb/merchant-repository';
import { presentRoutingRules, routingRuleContracts } from '../../contracts/routing-rules';
import { dynamoDbDocumentClient } from '../../shared/clients';
import { tableNameFromEnv } from '../../shared/config';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { readRoutingRules } from '../../use-cases/routing-rules';

/** GET /v1/routing_rules: the merchant's routing rules in force (version 0, no rules: none set). */
const merchants = new DynamoDbMerchantRepository(dynamoDbDocumentClient(), tableNameFromEnv('merchants'));

export const handler = merchantQueryEndpoint({
  operation: 'getRoutingRules',
  query: routingRuleContracts.getRoutingRules.query,
  handle: async (request) => {
    const merchantId = request.principal.merchantId;
    return { status: 200, body: presentRoutingRules(merchantId, await readRoutingRules({ merchants }, merchantId)) };
  },
});
