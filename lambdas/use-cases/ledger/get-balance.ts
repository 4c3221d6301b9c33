import { type MerchantCurrencyBalance, summarizeMerchantShards } from '../../domain/ledger/balances';
import type { LedgerStore } from '../../ports/ledger-store';

/**
 * A merchant's balance per currency: available, pending and reserved.
 * 1. Read every shard of the merchant's accounts (one strongly consistent query).
 * 2. Sum them per currency and account.
 */
export const getBalance = async (
  deps: { readonly ledger: LedgerStore },
  query: { readonly merchantId: string },
): Promise<MerchantCurrencyBalance[]> => summarizeMerchantShards(await deps.ledger.merchantShards(query.merchantId));
