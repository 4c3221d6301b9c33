import { paymentContracts } from '../../contracts/payments';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList, presentRefund } from '../../shared/http/presenters';
import { paymentRepository } from '../../wiring/payments';
import { listRefunds } from '../../use-cases/list-refunds';

/** GET /v1/refunds?payment=&limit=&starting_after=&ending_before=&created[gte|gt|lte|lt]= (docs/api.md, "Lists") */
export const handler = merchantQueryEndpoint({
  operation: 'listRefunds',
  query: paymentContracts.listRefunds.query,
  handle: async (request) => {
    const page = await listRefunds(
      { payments: paymentRepository() },
      { ...listRequestOf(request.principal.merchantId, request.query), ...(request.query.payment === undefined ? {} : { paymentId: request.query.payment }) },
    );
    return { status: 200, body: presentList(page.refunds.map(presentRefund), page.hasMore, '/v1/refunds') };
  },
});
