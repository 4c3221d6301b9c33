import * as z from 'zod/mini';
import { ledgerPostingDeps } from '../../wiring/ledger';
import { paymentRepository } from '../../wiring/payments';
import { captureResult, paymentAction } from '../../shared/payment-task-input';
import { taskHandler } from '../../shared/task-handler';
import { postCaptureToLedger } from '../../use-cases/payment-saga/post-capture-to-ledger';

/** Payment workflow, step PostToLedger: posts the capture and completes the payment. */
export const handler = taskHandler({
  step: 'PostToLedger',
  input: z.object({ paymentId: z.string(), capture: captureResult, action: paymentAction }),
  run: (input) => postCaptureToLedger({ payments: paymentRepository(), ledger: ledgerPostingDeps(), now: () => new Date() }, input),
});
