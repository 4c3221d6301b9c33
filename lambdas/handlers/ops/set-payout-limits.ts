import * as z from 'zod/mini';
import { ResourceNotFoundError } from '../../domain/errors';
import type { PayoutLimitOverride } from '../../domain/merchant';
import { payoutLimitsFor } from '../../domain/payouts/screening';
import { currencySchema } from '../../contracts/fields';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { merchantRepository } from '../../wiring/merchants';

/**
 * Operator API: POST /v1/merchants/{id}/payout_limits (ops_admin), body
 * `{"currency": "USD", "review_limit": 1000000 | null, "daily_limit": 3000000 | null}` in minor units: the
 * merchant's own payout limits in one currency (issue 13: a leaked key drains a balance only this fast).
 * `review_limit`: one payout at or above it waits for an operator (a new beneficiary's limit is a fifth of
 * it); `daily_limit`: the merchant's payouts in the currency over one UTC day above it wait. A field left
 * out keeps its value, null returns it to the platform's. Applies to payouts screened from now on; audited
 * in the merchant's chain with the limits before and after. Answers the limits in force in the currency.
 */
const merchants = merchantRepository();

/** Far above any real payout (10^13 minor units) and inside DynamoDB's and JSON's exact integers. */
const MAX_LIMIT = 10_000_000_000_000;
const limitMessage = `must be a positive integer amount in minor units, at most ${MAX_LIMIT}, or null for the platform's limit`;
const limitSchema = z.optional(z.nullable(z.int({ error: limitMessage }).check(z.positive({ error: limitMessage }), z.lte(MAX_LIMIT, { error: limitMessage }))));

const body = z.strictObject(
  { currency: currencySchema, review_limit: limitSchema, daily_limit: limitSchema },
  { error: 'must be a JSON object: {"currency": "USD", "review_limit"?: 1000000 | null, "daily_limit"?: 3000000 | null}' },
);

const present = (merchantId: string, currency: string, limits: PayoutLimitOverride | undefined) => {
  const effective = payoutLimitsFor(currency, limits);
  return {
    object: 'payout_limits' as const,
    merchant_id: merchantId,
    currency,
    review_limit: effective.review ?? null,
    new_beneficiary_limit: effective.newBeneficiary ?? null,
    daily_limit: effective.daily ?? null,
    merchant_set: { review_limit: limits?.review ?? null, daily_limit: limits?.daily ?? null },
  };
};

export const handler = operatorCommandEndpoint({
  operation: 'opsSetPayoutLimits',
  audit: { action: 'merchant.payout_limits' },
  body,
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const { currency, review_limit: review, daily_limit: daily } = request.body;
    const merchant = await merchants.getMerchant(merchantId);
    if (!merchant) throw new ResourceNotFoundError('merchant', merchantId);
    const current = merchant.payoutLimits?.[currency] ?? {};
    const next: PayoutLimitOverride = {
      ...(review === undefined ? (current.review === undefined ? {} : { review: current.review }) : review === null ? {} : { review }),
      ...(daily === undefined ? (current.daily === undefined ? {} : { daily: current.daily }) : daily === null ? {} : { daily }),
    };
    const changed = await merchants.setPayoutLimits(merchantId, currency, Object.keys(next).length > 0 ? next : null);
    if (!changed) throw new ResourceNotFoundError('merchant', merchantId);
    const before = present(merchantId, currency, changed.before);
    const after = present(merchantId, currency, changed.after);
    return {
      status: 200,
      body: after,
      change: { merchantId, target: { type: 'merchant', id: merchantId }, before, after },
    };
  },
});
