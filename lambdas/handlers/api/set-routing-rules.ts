import { presentRoutingRules, routingRulesBody, routingRulesInput, ruleSetOf } from '../../contracts/routing-rules';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { setRoutingRules } from '../../use-cases/routing-rules';
import { merchantRepository } from '../../wiring/merchants';

/**
 * POST /v1/routing_rules: the merchant's own routing rules, stored whole as the next version and in force
 * for payments screened from about 30 s later (Screen caches them). A rule set that does not parse, names
 * an unknown field or channel, or would route a currency nowhere is 422 naming the rule and the field, and
 * the version in force stays. Audited with the rule sets before and after.
 */
const merchants = merchantRepository();

export const handler = merchantCommandEndpoint({
  operation: 'setRoutingRules',
  audit: { action: 'routing_rules.set' },
  body: routingRulesInput,
  fingerprintView: (body) => body,
  handle: async (request) => {
    const merchantId = request.principal.merchantId;
    const body = routingRulesBody.parse(request.body);
    const { before, after } = await setRoutingRules({ merchants, now: () => new Date() }, merchantId, (version) => ruleSetOf(body, version));
    const presented = presentRoutingRules(merchantId, after);
    return {
      status: 200,
      body: presented,
      change: { target: { type: 'routing_rules', id: merchantId }, before: presentRoutingRules(merchantId, before), after: presented },
    };
  },
});
