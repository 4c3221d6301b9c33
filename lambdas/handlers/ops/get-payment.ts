import * as z from 'zod/mini';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentPaymentRisk } from '../../shared/http/operations-presenters';
import { presentPayment } from '../../shared/http/presenters';
import { getPaymentAsOperator } from '../../use-cases/operations/get-payment-as-operator';
import { paymentRepository } from '../../wiring/payments';

/** Operator API: GET /v1/payments/{id} (ops_viewer): any merchant's payment, with its merchant id and what risk screening decided. */
const payments = paymentRepository();

export const handler = operatorQueryEndpoint({
  operation: 'opsGetPayment',
  query: z.strictObject({}),
  handle: async (request) => {
    const payment = await getPaymentAsOperator({ payments }, { paymentId: request.pathParameters.id ?? '' });
    return { status: 200, body: { ...presentPayment(payment), merchant_id: payment.merchantId, risk: presentPaymentRisk(payment) } };
  },
});
