import { presentRoutingRules, routingRuleContracts } from '../../contracts/routing-rules';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { readRoutingRules } from '../../use-cases/routing-rules';
import { merchantRepository } from '../../wiring/merchants';

/** GET /v1/routing_rules: the merchant's routing rules in force (version 0, no rules: none set). */
const merchants = merchantRepository();

export const handler = merchantQueryEndpoint({
  operation: 'getRoutingRules',
  query: routingRuleContracts.getRoutingRules.query,
  handle: async (request) => {
    const merchantId = request.principal.merchantId;
    return { status: 200, body: presentRoutingRules(merchantId, await readRoutingRules({ merchants }, merchantId)) };
  },
});
