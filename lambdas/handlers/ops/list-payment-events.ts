import * as z from 'zod/mini';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentList, presentPaymentEvent } from '../../shared/http/presenters';
import { paymentRepository } from '../../wiring/payments';
import { getPaymentAsOperator } from '../../use-cases/operations/get-payment-as-operator';

/** Operator API: GET /v1/payments/{id}/events (ops_viewer): any merchant's payment's timeline, oldest first. */
export const handler = operatorQueryEndpoint({
  operation: 'opsListPaymentEvents',
  query: z.strictObject({}),
  handle: async (request) => {
    const payments = paymentRepository();
    const payment = await getPaymentAsOperator({ payments }, { paymentId: request.pathParameters.id ?? '' });
    const events = await payments.events(payment.id);
    return { status: 200, body: presentList(events.map(presentPaymentEvent), false, `/v1/payments/${payment.id}/events`) };
  },
});
