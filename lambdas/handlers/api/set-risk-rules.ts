import { presentRiskRules, ruleSetOf } from '../../contracts/risk-rules';
import { PLATFORM_RISK_RULES } from '../../domain/risk';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { riskRuleSetInput, riskRuleSetOfInput } from '../../shared/http/risk-rules';
import { setRiskRules } from '../../use-cases/set-risk-rules';
import { merchantRepository } from '../../wiring/merchants';

/**
 * POST /v1/risk_rules: the merchant's own risk rule set, stored as its next version and in force for
 * payments screened from about 30 s later (screening caches it). A rule set that does not parse or names
 * an unknown field is 422 naming the rule and field, and the version in force stays. Audited.
 */
const merchants = merchantRepository();

export const handler = merchantCommandEndpoint({
  operation: 'setRiskRules',
  audit: { action: 'risk_rules.set' },
  body: riskRuleSetInput,
  fingerprintView: (body) => body,
  handle: async (request) => {
    const merchantId = request.principal.merchantId;
    const body = riskRuleSetOfInput(request.body);
    const { before, after } = await setRiskRules({ merchants, now: () => new Date() }, merchantId, (version) => ruleSetOf(body, version));
    const presented = presentRiskRules(merchantId, after, after.setAt);
    return {
      status: 200,
      body: presented,
      change: { target: { type: 'risk_rules', id: merchantId }, before: presentRiskRules(merchantId, before ?? PLATFORM_RISK_RULES, before?.setAt), after: presented },
    };
  },
});
