import { paymentContracts } from '../../contracts/payments';
import { balanceReportCsv } from '../../domain/ledger/balance-report';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { balanceTransactionsReport } from '../../use-cases/ledger/balance-transactions-report';
import { ledgerStore } from '../../wiring/ledger';

/** GET /v1/reports/balance_transactions?created[gte|gt]=&created[lte|lt]=&currency= : a CSV download (docs/api.md, "Reports") */
const ledger = ledgerStore();

export const handler = merchantQueryEndpoint({
  operation: 'balanceTransactionsReport',
  query: paymentContracts.balanceTransactionsReport.query,
  handle: async (request) => {
    // The `created[...]` bounds mean what they mean on every list (shared/http/list-query.ts).
    const window = listRequestOf(request.principal.merchantId, { limit: 1, ...request.query });
    const lines = await balanceTransactionsReport(
      { ledger },
      {
        merchantId: request.principal.merchantId,
        ...(window.createdFromMs === undefined ? {} : { createdFromMs: window.createdFromMs }),
        ...(window.createdToMs === undefined ? {} : { createdToMs: window.createdToMs }),
        ...(request.query.currency === undefined ? {} : { currency: request.query.currency }),
      },
    );
    return {
      status: 200,
      body: balanceReportCsv(lines),
      file: { contentType: 'text/csv; charset=utf-8', filename: 'balance_transactions.csv' },
    };
  },
});
