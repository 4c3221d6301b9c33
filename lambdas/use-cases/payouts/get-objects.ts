import { InvalidCursorError, ResourceNotFoundError } from '../../domain/errors';
import type { Beneficiary } from '../../domain/payouts/beneficiary';
import type { Payout } from '../../domain/payouts/payout';
import type { BeneficiaryPage, PayoutPage, PayoutRepository } from '../../ports/payout-repository';

/**
 * Reads of beneficiaries and payouts. Another merchant's object is "not found", exactly like one that
 * never existed; a list cursor must name one of the merchant's own objects.
 */
export const getBeneficiary = async (deps: { readonly payouts: PayoutRepository }, query: { readonly merchantId: string; readonly beneficiaryId: string }): Promise<Beneficiary> => {
  const beneficiary = await deps.payouts.getBeneficiary(query.beneficiaryId);
  if (!beneficiary || beneficiary.merchantId !== query.merchantId) throw new ResourceNotFoundError('beneficiary', query.beneficiaryId);
  return beneficiary;
};

export const listBeneficiaries = async (
  deps: { readonly payouts: PayoutRepository },
  query: { readonly merchantId: string; readonly limit: number; readonly startingAfter?: string },
): Promise<BeneficiaryPage> => {
  let after: Beneficiary | undefined;
  if (query.startingAfter !== undefined) {
    after = await deps.payouts.getBeneficiary(query.startingAfter);
    if (!after || after.merchantId !== query.merchantId) throw new InvalidCursorError('starting_after', query.startingAfter);
  }
  return deps.payouts.listBeneficiaries(query.merchantId, { limit: query.limit, after });
};

export const getPayout = async (deps: { readonly payouts: PayoutRepository }, query: { readonly merchantId: string; readonly payoutId: string }): Promise<Payout> => {
  const payout = await deps.payouts.getPayout(query.payoutId);
  if (!payout || payout.merchantId !== query.merchantId) throw new ResourceNotFoundError('payout', query.payoutId);
  return payout;
};

export const listPayouts = async (
  deps: { readonly payouts: PayoutRepository },
  query: { readonly merchantId: string; readonly limit: number; readonly startingAfter?: string },
): Promise<PayoutPage> => {
  let after: Payout | undefined;
  if (query.startingAfter !== undefined) {
    after = await deps.payouts.getPayout(query.startingAfter);
    if (!after || after.merchantId !== query.merchantId) throw new InvalidCursorError('starting_after', query.startingAfter);
  }
  return deps.payouts.listPayouts(query.merchantId, { limit: query.limit, after });
};
