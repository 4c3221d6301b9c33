import { DynamoDbLedgerStore } from '../../adapters/dynamodb/ledger-store';
import { paymentContracts } from '../../contracts/payments';
import { dynamoDbDocumentClient } from '../../shared/clients';
import { tableNameFromEnv } from '../../shared/config';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentBalance } from '../../shared/http/presenters';
import { getBalance } from '../../use-cases/ledger/get-balance';

/** GET /v1/balances */
const ledger = new DynamoDbLedgerStore(dynamoDbDocumentClient(), tableNameFromEnv('ledger'));

export const handler = merchantQueryEndpoint({
  operation: 'getBalance',
  query: paymentContracts.getBalance.query,
  handle: async (request) => ({
    status: 200,
    body: presentBalance(await getBalance({ ledger }, { merchantId: request.principal.merchantId })),
  }),
});
