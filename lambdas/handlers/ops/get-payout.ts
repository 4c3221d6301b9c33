import * as z from 'zod/mini';
import { ResourceNotFoundError } from '../../domain/errors';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentPayout } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';

/**
 * Operator API: GET /v1/payouts/{id} (ops_viewer): any merchant's payout, with its merchant id and the
 * review record (what screening matched, who decided). The merchant never sees the review record: a payout
 * held for review only shows `in_review` (no tipping off).
 */
const payouts = payoutRepository();

export const handler = operatorQueryEndpoint({
  operation: 'opsGetPayout',
  query: z.strictObject({}),
  handle: async (request) => {
    const id = request.pathParameters.id ?? '';
    const payout = await payouts.getPayout(id, { consistent: true });
    if (!payout) throw new ResourceNotFoundError('payout', id);
    return { status: 200, body: { ...presentPayout(payout), merchant_id: payout.merchantId, review: payout.review ?? null } };
  },
});
