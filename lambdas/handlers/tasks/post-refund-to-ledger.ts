import * as z from 'zod/mini';
import { ledgerPostingDeps } from '../../shared/ledger';
import { paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { postRefundToLedger } from '../../use-cases/refund-saga/refund-steps';

/** Refund saga, step PostRefundToLedger. */
export const handler = taskHandler({
  step: 'PostRefundToLedger',
  input: z.object({ refundId: z.string() }),
  run: (input) => postRefundToLedger({ payments: paymentRepository(), ledger: ledgerPostingDeps() }, input),
});
