import * as z from 'zod/mini';
import { PAYOUT_STATUSES } from '../../domain/payouts/payout';
import { RequestError, problem } from '../../shared/http/problem';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentList } from '../../shared/http/presenters';
import { idSchema, limitSchema } from '../../shared/http/schemas';
import { presentPayout } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';
import { searchPayouts } from '../../use-cases/operations/search-payouts';

/**
 * Operator API: GET /v1/payouts?merchant=&status=&limit=&starting_after= (ops_viewer). With `merchant`: its
 * payouts, newest first, of one status if asked (at most 500 read per request; `next_starting_after`
 * continues). Without: the review queue, `status=in_review` (the default), every merchant's payouts waiting
 * for a decision, oldest first. Each payout comes with its review record, as GET /v1/payouts/{id} answers.
 */
const payouts = payoutRepository();

const query = z.strictObject({
  merchant: z.optional(idSchema('merchant')),
  status: z.optional(z.enum(PAYOUT_STATUSES, { error: `must be one of ${PAYOUT_STATUSES.join(', ')}` })),
  limit: z._default(limitSchema, 20),
  starting_after: z.optional(idSchema('payout')),
});

export const handler = operatorQueryEndpoint({
  operation: 'opsListPayouts',
  query,
  handle: async (request) => {
    const { merchant, status } = request.query;
    if (merchant === undefined && status !== undefined && status !== 'in_review') {
      throw new RequestError(
        problem(422, 'validation_error', 'The request has invalid parameters.', {
          errors: [{ field: 'merchant', message: `is required with status ${status} (without a merchant: status in_review, the review queue)` }],
        }),
      );
    }
    const page = await searchPayouts({ payouts }, { merchantId: merchant, status, limit: request.query.limit, startingAfter: request.query.starting_after });
    const data = page.items.map((payout) => ({ ...presentPayout(payout), merchant_id: payout.merchantId, review: payout.review ?? null }));
    return { status: 200, body: { ...presentList(data, page.hasMore, '/v1/payouts'), next_starting_after: page.hasMore ? (page.lastRead?.id ?? null) : null } };
  },
});
