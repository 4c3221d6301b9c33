import * as z from 'zod/mini';
import { DynamoDbPaymentRepository } from '../../adapters/dynamodb/payment-repository';
import { dynamoDbDocumentClient } from '../../shared/clients';
import { awsRegion, tableNameFromEnv } from '../../shared/config';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentPaymentRisk } from '../../shared/http/operations-presenters';
import { presentPayment } from '../../shared/http/presenters';
import { getPaymentAsOperator } from '../../use-cases/operations/get-payment-as-operator';

/** Operator API: GET /v1/payments/{id} (ops_viewer): any merchant's payment, with its merchant id and what risk screening decided. */
const payments = new DynamoDbPaymentRepository(dynamoDbDocumentClient(), tableNameFromEnv('payments'), awsRegion());

export const handler = operatorQueryEndpoint({
  operation: 'opsGetPayment',
  query: z.strictObject({}),
  handle: async (request) => {
    const payment = await getPaymentAsOperator({ payments }, { paymentId: request.pathParameters.id ?? '' });
    return { status: 200, body: { ...presentPayment(payment), merchant_id: payment.merchantId, risk: presentPaymentRisk(payment) } };
  },
});
