import { presentRoutingRules, routingRulesBody, routingRulesInput, ruleSetOf } from '../../contracts/routing-rules';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { setRoutingRules } from '../../use-cases/routing-rules';
import { merchantRepository } from '../../wiring/merchants';

/**
 * Operator API: POST /v1/merchants/{id}/routing_rules (ops_admin), body as the merchant API's
 * `POST /v1/routing_rules`: the merchant's routing rules, stored whole as the next version. 422 naming the
 * rule and field for a rule set that cannot be used (the version in force stays); audited in the
 * merchant's chain with the rule sets before and after.
 */
const merchants = merchantRepository();

export const handler = operatorCommandEndpoint({
  operation: 'opsSetRoutingRules',
  audit: { action: 'merchant.routing_rules' },
  body: routingRulesInput,
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const body = routingRulesBody.parse(request.body);
    const { before, after } = await setRoutingRules({ merchants, now: () => new Date() }, merchantId, (version) => ruleSetOf(body, version));
    const presented = presentRoutingRules(merchantId, after);
    return {
      status: 200,
      body: presented,
      change: { merchantId, target: { type: 'merchant', id: merchantId }, before: presentRoutingRules(merchantId, before), after: presented },
    };
  },
});
