import { paymentContracts } from '../../contracts/payments';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentBalance } from '../../shared/http/presenters';
import { getBalance } from '../../use-cases/ledger/get-balance';
import { ledgerStore } from '../../wiring/ledger';

/** GET /v1/balances */
const ledger = ledgerStore();

export const handler = merchantQueryEndpoint({
  operation: 'getBalance',
  query: paymentContracts.getBalance.query,
  handle: async (request) => ({
    status: 200,
    body: presentBalance(await getBalance({ ledger }, { merchantId: request.principal.merchantId })),
  }),
});
