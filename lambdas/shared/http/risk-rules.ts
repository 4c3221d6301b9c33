import * as z from 'zod/mini';
import { nameRulesInErrors, riskRuleSetBody } from '../../contracts/risk-rules';
import { fieldErrors } from './validation';

/**
 * What the risk-rules endpoints validate with: the contract's rule set (lambdas/contracts/risk-rules.ts),
 * its errors naming the rule they are in (`rules.1.when.ip_cuntry`: "rule geo: is not a recognized field"),
 * so a refused rule set is answered 422 by the one validation path, before anything is stored.
 */
export const riskRuleSetInput = z.unknown().check((payload) => {
  const parsed = riskRuleSetBody.safeParse(payload.value);
  if (parsed.success) return;
  for (const error of nameRulesInErrors(fieldErrors(parsed.error, payload.value), payload.value)) {
    payload.issues.push({ code: 'custom', path: error.field.split('.'), message: error.message, input: payload.value });
  }
});

/** The validated body, typed (riskRuleSetInput has accepted it). */
export const riskRuleSetOfInput = (body: unknown) => riskRuleSetBody.parse(body);
