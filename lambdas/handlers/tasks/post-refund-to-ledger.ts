import * as z from 'zod/mini';
import { ledgerDeps } from '../../wiring/ledger';
import { paymentRepository } from '../../wiring/payments';
import { taskHandler } from '../../shared/task-handler';
import { postRefundToLedger } from '../../use-cases/refund-saga/post-refund-to-ledger';

/** Refund workflow, step PostRefundToLedger. */
export const handler = taskHandler({
  step: 'PostRefundToLedger',
  input: z.object({ refundId: z.string() }),
  run: (input) => postRefundToLedger({ payments: paymentRepository(), ledger: ledgerDeps() }, input),
});
