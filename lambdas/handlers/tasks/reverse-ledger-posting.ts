import * as z from 'zod/mini';
import { ledgerPostingDeps } from '../../shared/ledger';
import { taskHandler } from '../../shared/task-handler';
import { reverseLedgerPosting } from '../../use-cases/payment-saga/reverse-ledger-posting';

/** Payment and refund sagas, compensation ReverseLedgerPosting. */
export const handler = taskHandler({
  step: 'ReverseLedgerPosting',
  input: z.object({ transactionId: z.string() }),
  run: (input) => reverseLedgerPosting({ ledger: ledgerPostingDeps() }, input),
});
