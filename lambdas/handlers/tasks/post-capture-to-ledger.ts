import * as z from 'zod/mini';
import { ledgerPostingDeps } from '../../shared/ledger';
import { paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { postCaptureToLedger } from '../../use-cases/payment-saga/post-capture-to-ledger';

/** Payment saga, step PostToLedger. */
export const handler = taskHandler({
  step: 'PostToLedger',
  input: z.object({ paymentId: z.string() }),
  run: (input) => postCaptureToLedger({ payments: paymentRepository(), ledger: ledgerPostingDeps() }, input),
});
