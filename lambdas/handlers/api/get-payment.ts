import { DynamoDbPaymentRepository } from '../../adapters/dynamodb/payment-repository';
import { paymentContracts } from '../../contracts/payments';
import { dynamoDbDocumentClient } from '../../shared/clients';
import { awsRegion, tableNameFromEnv } from '../../shared/config';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentPayment } from '../../shared/http/presenters';
import { getPayment } from '../../use-cases/get-payment';

/** GET /v1/payments/{id} */
const payments = new DynamoDbPaymentRepository(dynamoDbDocumentClient(), tableNameFromEnv('payments'), awsRegion());

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
