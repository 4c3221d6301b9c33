import { paymentContracts } from '../../contracts/payments';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentBalanceTransaction, presentList } from '../../shared/http/presenters';
import { listBalanceTransactions } from '../../use-cases/ledger/list-balance-transactions';
import { ledgerStore } from '../../wiring/ledger';

/** GET /v1/balance_transactions?limit=&starting_after=&ending_before=&created[gte|gt|lte|lt]= (docs/api.md, "Lists") */
const ledger = ledgerStore();

const query = paymentContracts.listBalanceTransactions.query;

export const handler = merchantQueryEndpoint({
  operation: 'listBalanceTransactions',
  query,
  handle: async (request) => {
    const page = await listBalanceTransactions(
      { ledger },
      listRequestOf(request.principal.merchantId, request.query),
    );
    return { status: 200, body: presentList(page.lines.map(presentBalanceTransaction), page.hasMore, '/v1/balance_transactions') };
  },
});
