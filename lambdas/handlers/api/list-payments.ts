import { paymentContracts } from '../../contracts/payments';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList, presentPayment } from '../../shared/http/presenters';
import { listPayments } from '../../use-cases/list-payments';
import { paymentRepository } from '../../wiring/payments';

/** GET /v1/payments?limit=&starting_after=&ending_before=&created[gte|gt|lte|lt]= (docs/api.md, "Lists") */
const payments = paymentRepository();

const query = paymentContracts.listPayments.query;

export const handler = merchantQueryEndpoint({
  operation: 'listPayments',
  query,
  handle: async (request) => {
    const page = await listPayments(
      { payments },
      listRequestOf(request.principal.merchantId, request.query),
    );
    return { status: 200, body: presentList(page.payments.map(presentPayment), page.hasMore, '/v1/payments') };
  },
});
