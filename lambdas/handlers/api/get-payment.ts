import { paymentContracts } from '../../contracts/payments';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentPayment } from '../../shared/http/presenters';
import { getPayment } from '../../use-cases/get-payment';
import { paymentRepository } from '../../wiring/payments';

/** GET /v1/payments/{id} */
const payments = paymentRepository();

export const handler = merchantQueryEndpoint({
  operation: 'getPayment',
  query: paymentContracts.getPayment.query,
  handle: async (request) => {
    const payment = await getPayment(
      { payments },
      { merchantId: request.principal.merchantId, paymentId: request.pathParameters.id ?? '' },
    );
    return { status: 200, body: presentPayment(payment) };
  },
});
