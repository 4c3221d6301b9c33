import * as z from 'zod/mini';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentLedgerTransaction } from '../../shared/http/operations-presenters';
import { presentList } from '../../shared/http/presenters';
import { paymentRepository } from '../../wiring/payments';
import { listPaymentLedgerTransactions } from '../../use-cases/operations/payment-ledger-transactions';
import { ledgerStore } from '../../wiring/ledger';

/**
 * Operator API: GET /v1/payments/{id}/ledger_transactions (ops_viewer): the journal transactions of the
 * payment's position (capture, settlement, refunds, reversals), oldest first, with their entries.
 */
const ledger = ledgerStore();

export const handler = operatorQueryEndpoint({
  operation: 'opsListPaymentLedgerTransactions',
  query: z.strictObject({}),
  handle: async (request) => {
    const paymentId = request.pathParameters.id ?? '';
    const transactions = await listPaymentLedgerTransactions({ payments: paymentRepository(), ledger }, { paymentId });
    return { status: 200, body: presentList(transactions.map(presentLedgerTransaction), false, `/v1/payments/${paymentId}/ledger_transactions`) };
  },
});
