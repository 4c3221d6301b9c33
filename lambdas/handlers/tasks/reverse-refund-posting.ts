import * as z from 'zod/mini';
import { ledgerDeps } from '../../wiring/ledger';
import { taskHandler } from '../../shared/task-handler';
import { reverseRefundPosting } from '../../use-cases/refund-saga/reverse-refund-posting';

/** Refund workflow, compensation ReverseRefundPosting. */
export const handler = taskHandler({
  step: 'ReverseRefundPosting',
  input: z.object({ transactionId: z.string() }),
  run: (input) => reverseRefundPosting({ ledger: ledgerDeps() }, input),
});
