import { presentRiskRules, ruleSetOf } from '../../contracts/risk-rules';
import { PLATFORM_RISK_RULES } from '../../domain/risk';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { riskRuleSetInput, riskRuleSetOfInput } from '../../shared/http/risk-rules';
import { setRiskRules } from '../../use-cases/set-risk-rules';
import { merchantRepository } from '../../wiring/merchants';

/**
 * Operator API: POST /v1/merchants/{id}/risk_rules (ops_admin), body as the merchant API's
 * `POST /v1/risk_rules`: the merchant's risk rule set, stored as its next version. 422 naming the rule and
 * field for a rule set that does not parse (the version in force stays); audited in the merchant's chain
 * with the rule sets before and after.
 */
const merchants = merchantRepository();

export const handler = operatorCommandEndpoint({
  operation: 'opsSetRiskRules',
  audit: { action: 'merchant.risk_rules' },
  body: riskRuleSetInput,
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const body = riskRuleSetOfInput(request.body);
    const { before, after } = await setRiskRules({ merchants, now: () => new Date() }, merchantId, (version) => ruleSetOf(body, version));
    const presented = presentRiskRules(merchantId, after, after.setAt);
    return {
      status: 200,
      body: presented,
      change: { merchantId, target: { type: 'merchant', id: merchantId }, before: presentRiskRules(merchantId, before ?? PLATFORM_RISK_RULES, before?.setAt), after: presented },
    };
  },
});
