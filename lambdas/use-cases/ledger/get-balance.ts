import { type MerchantCurrencyBalance, summarizeMerchantShards } from '../../domain/ledger/balances';
import type { LedgerStore } from '../../ports/ledger-store';

/**
 * A merchant's balance per currency: available, pending and reserved.
 * 1. Read every balance shard of the merchant (strongly consistent; one Query per balance partition).
 * 2. Sum them per currency: available, pending, reserved.
 */
export const getBalance = async (
  deps: { readonly ledger: LedgerStore },
  query: { readonly merchantId: string },
): Promise<MerchantCurrencyBalance[]> => summarizeMerchantShards(await deps.ledger.merchantShards(query.merchantId));
