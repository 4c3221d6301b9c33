import * as z from 'zod/mini';
import { PAYMENT_STATUSES } from '../../domain/payment';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentPaymentRisk } from '../../shared/http/operations-presenters';
import { RequestError, problem } from '../../shared/http/problem';
import { presentList, presentPayment } from '../../shared/http/presenters';
import { idSchema, limitSchema } from '../../shared/http/schemas';
import { paymentRepository } from '../../wiring/payments';
import { searchPayments } from '../../use-cases/operations/search-payments';

/**
 * Operator API: GET /v1/payments?merchant=&status=&limit=&starting_after= (ops_viewer): a merchant's
 * payments, newest first, of one status if asked. With a status, one request reads at most 500 payments;
 * `next_starting_after` continues after the last one read (decision 0022). Without `merchant` (and without
 * `status`): the risk review queue, every merchant's payments risk screening sent to review and no operator
 * has decided, oldest first (decision 0026). Each payment comes with what risk screening decided.
 */
const query = z.strictObject({
  merchant: z.optional(idSchema('merchant')),
  status: z.optional(z.enum(PAYMENT_STATUSES, { error: `must be one of ${PAYMENT_STATUSES.join(', ')}` })),
  limit: z._default(limitSchema, 20),
  starting_after: z.optional(idSchema('payment')),
});

export const handler = operatorQueryEndpoint({
  operation: 'opsListPayments',
  query,
  handle: async (request) => {
    if (request.query.merchant === undefined && request.query.status !== undefined) {
      throw new RequestError(
        problem(422, 'validation_error', 'The request has invalid parameters.', {
          errors: [{ field: 'merchant', message: `is required with status ${request.query.status} (without a merchant: the risk review queue)` }],
        }),
      );
    }
    const page = await searchPayments(
      { payments: paymentRepository() },
      { merchantId: request.query.merchant, status: request.query.status, limit: request.query.limit, startingAfter: request.query.starting_after },
    );
    const data = page.items.map((payment) => ({ ...presentPayment(payment), merchant_id: payment.merchantId, risk: presentPaymentRisk(payment) }));
    return { status: 200, body: { ...presentList(data, page.hasMore, '/v1/payments'), next_starting_after: page.hasMore ? (page.lastRead?.id ?? null) : null } };
  },
});
