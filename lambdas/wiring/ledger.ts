import { deployment } from '../../platform/deployment';
import { DynamoDbLedgerStore } from '../adapters/dynamodb/ledger-store';
import { DynamoDbPricingRepository } from '../adapters/dynamodb/pricing-repository';
import type { LedgerStore } from '../ports/ledger-store';
import type { PricingRepository } from '../ports/pricing-repository';
import type { CapturePostingDeps, LedgerPostingDeps } from '../use-cases/ledger/postings';
import { dynamoDbDocumentClient } from '../shared/clients';
import { ttlCache } from '../shared/ttl-cache';
import { awsRegion, tableNameFromEnv } from '../shared/config';

/**
 * The composition root of the ledger area (lambdas/wiring/, decision 0037): the store, and the deps of the
 * posting use cases.
 */
let store: LedgerStore | undefined;

/** The ledger table (`ledger` granted with the actions the handler's use case calls). */
export const ledgerStore = (): LedgerStore => {
  store ??= new DynamoDbLedgerStore(dynamoDbDocumentClient(), tableNameFromEnv('ledger'));
  return store;
};

/**
 * A merchant's pricing as a capture's posting reads it: one GetItem at most every 30 s per function instance
 * and merchant (as the merchant's profile, ./merchant-profile.ts), so a payment's posting pays no round trip
 * for it. The read was already eventually consistent; a new pricing applies to captures posted within 30 s
 * of it. A replayed posting returns the transaction first posted, whatever the pricing now (decision 0055).
 */
const PRICING_CACHE_MS = 30_000;

export const cachedPricing = (repository: PricingRepository, clock: () => number = Date.now): PricingRepository => {
  const pricing = ttlCache((merchantId) => repository.getPricing(merchantId), PRICING_CACHE_MS, clock);
  return {
    getPricing: (merchantId) => pricing.get(merchantId),
    putPricing: async (merchantId, value) => {
      pricing.forget(merchantId);
      await repository.putPricing(merchantId, value);
    },
  };
};

/**
 * The ledger's dependencies for a Lambda function that posts (the saga's ledger tasks), built once per
 * function instance. The function must be granted `ledgerPostingActions` on `ledger` and GetItem on
 * `merchants` (pricing) in platform/functions.ts.
 */
let deps: CapturePostingDeps | undefined;

export const ledgerPostingDeps = (): CapturePostingDeps => {
  if (!deps) {
    const client = dynamoDbDocumentClient();
    deps = {
      ledger: ledgerStore(),
      pricing: cachedPricing(new DynamoDbPricingRepository(client, tableNameFromEnv('merchants'))),
      region: awsRegion(),
      primaryRegion: deployment.primaryRegion,
      now: () => new Date(),
    };
  }
  return deps;
};

let withoutPricing: LedgerPostingDeps | undefined;

/**
 * The ledger's dependencies for a function that posts no captures (conversions, payouts): no pricing,
 * so it needs only `ledgerPostingActions` on `ledger`, not the `merchants` table.
 */
export const ledgerDeps = (): LedgerPostingDeps => {
  if (!withoutPricing) {
    withoutPricing = {
      ledger: ledgerStore(),
      region: awsRegion(),
      primaryRegion: deployment.primaryRegion,
      now: () => new Date(),
    };
  }
  return withoutPricing;
};
