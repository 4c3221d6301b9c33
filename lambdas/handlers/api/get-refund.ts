import { paymentContracts } from '../../contracts/payments';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentRefund } from '../../shared/http/presenters';
import { paymentRepository } from '../../wiring/payments';
import { getRefund } from '../../use-cases/get-refund';

/** GET /v1/refunds/{id} */
export const handler = merchantQueryEndpoint({
  operation: 'getRefund',
  query: paymentContracts.getRefund.query,
  handle: async (request) => {
    const refund = await getRefund({ payments: paymentRepository() }, { merchantId: request.principal.merchantId, refundId: request.pathParameters.id ?? '' });
    return { status: 200, body: presentRefund(refund) };
  },
});
