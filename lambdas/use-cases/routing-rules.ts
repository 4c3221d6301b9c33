import { ResourceNotFoundError } from '../domain/errors';
import type { StoredRoutingRules } from '../domain/merchant';
import type { RoutingRuleSet } from '../domain/routing-rules';
import type { MerchantRepository } from '../ports/merchant-repository';

/**
 * A merchant's routing rules (docs/decisions/0027-merchant-routing-rules.md), set by the merchant itself or
 * by an operator, and read back.
 */

/**
 * The rule set in force (undefined: none set, the merchant's strategy routes every payment).
 * 1. Read the merchant (ResourceNotFoundError when unknown).
 * 2. Answer its routing rules as stored.
 */
export const readRoutingRules = async (
  deps: { readonly merchants: Pick<MerchantRepository, 'getMerchant'> },
  merchantId: string,
): Promise<StoredRoutingRules | undefined> => {
  const merchant = await deps.merchants.getMerchant(merchantId);
  if (!merchant) throw new ResourceNotFoundError('merchant', merchantId);
  return merchant.routingRules;
};

/**
 * Replace the rule set by its next version.
 * 1. Read the merchant (ResourceNotFoundError when unknown) and the version in force (0: none).
 * 2. Store the rules as the next version, only over the version read: a concurrent change makes this one
 *    StaleVersionError (409) and stores nothing. A refused rule set never gets here (the endpoint's 422),
 *    so the version in force stays in force.
 * 3. Answer the versions before and after (audited by the endpoint).
 */
export const setRoutingRules = async (
  deps: { readonly merchants: Pick<MerchantRepository, 'getMerchant' | 'setRoutingRules'>; readonly now: () => Date },
  merchantId: string,
  build: (version: number) => RoutingRuleSet,
): Promise<{ readonly before?: StoredRoutingRules; readonly after: StoredRoutingRules }> => {
  const previousVersion = (await readRoutingRules(deps, merchantId))?.version ?? 0;
  const after: StoredRoutingRules = { ...build(previousVersion + 1), setAt: deps.now().toISOString() };
  const stored = await deps.merchants.setRoutingRules(merchantId, after, previousVersion);
  if (!stored) throw new ResourceNotFoundError('merchant', merchantId);
  return { before: stored.before, after };
};
