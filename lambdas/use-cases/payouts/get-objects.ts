import { ResourceNotFoundError } from '../../domain/errors';
import type { Beneficiary } from '../../domain/payouts/beneficiary';
import type { Payout } from '../../domain/payouts/payout';
import type { BeneficiaryPage, PayoutPage, PayoutRepository } from '../../ports/payout-repository';
import { type ListRequest, resolveListWindow } from '../list-window';

/**
 * Reads of beneficiaries and payouts. Another merchant's object is "not found", exactly like one that
 * never existed; a list cursor must name one of the merchant's own objects.
 */
export const getBeneficiary = async (deps: { readonly payouts: PayoutRepository }, query: { readonly merchantId: string; readonly beneficiaryId: string }): Promise<Beneficiary> => {
  const beneficiary = await deps.payouts.getBeneficiary(query.beneficiaryId);
  if (!beneficiary || beneficiary.merchantId !== query.merchantId) throw new ResourceNotFoundError('beneficiary', query.beneficiaryId);
  return beneficiary;
};

export const listBeneficiaries = async (deps: { readonly payouts: PayoutRepository }, request: ListRequest): Promise<BeneficiaryPage> =>
  deps.payouts.listBeneficiaries(request.merchantId, await resolveListWindow(request, (id) => deps.payouts.getBeneficiary(id)));

export const getPayout = async (deps: { readonly payouts: PayoutRepository }, query: { readonly merchantId: string; readonly payoutId: string }): Promise<Payout> => {
  const payout = await deps.payouts.getPayout(query.payoutId);
  if (!payout || payout.merchantId !== query.merchantId) throw new ResourceNotFoundError('payout', query.payoutId);
  return payout;
};

export const listPayouts = async (deps: { readonly payouts: PayoutRepository }, request: ListRequest): Promise<PayoutPage> =>
  deps.payouts.listPayouts(request.merchantId, await resolveListWindow(request, (id) => deps.payouts.getPayout(id)));
