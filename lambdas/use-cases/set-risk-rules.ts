import { ResourceNotFoundError } from '../domain/errors';
import type { StoredRiskRules } from '../domain/merchant';
import type { RiskRuleSet } from '../domain/risk';
import type { MerchantRepository } from '../ports/merchant-repository';

/**
 * A merchant's risk rule set replaced by its next version (set by the merchant itself or by an operator).
 * 1. Read the merchant (ResourceNotFoundError when unknown) and the version in force (0: none, the
 *    platform's defaults apply).
 * 2. Store the rule set as the next version, only over the version read: a concurrent change makes this one
 *    StaleVersionError (409) and stores nothing. A refused rule set never gets here (the adapter's 422), so
 *    the version in force stays in force.
 * 3. Answer the versions before and after (audited by the endpoint).
 */
export const setRiskRules = async (
  deps: { readonly merchants: Pick<MerchantRepository, 'getMerchant' | 'setRiskRules'>; readonly now: () => Date },
  merchantId: string,
  build: (version: number) => RiskRuleSet,
): Promise<{ readonly before?: StoredRiskRules; readonly after: StoredRiskRules }> => {
  const merchant = await deps.merchants.getMerchant(merchantId);
  if (!merchant) throw new ResourceNotFoundError('merchant', merchantId);
  const previousVersion = merchant.riskRules?.version ?? 0;
  const after: StoredRiskRules = { ...build(previousVersion + 1), setAt: deps.now().toISOString() };
  const stored = await deps.merchants.setRiskRules(merchantId, after, previousVersion);
  if (!stored) throw new ResourceNotFoundError('merchant', merchantId);
  return { before: stored.before, after };
};
