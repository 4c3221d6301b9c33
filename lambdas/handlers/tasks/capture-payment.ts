import * as z from 'zod/mini';
import { assertMerchantLedgerWritableHere } from '../../wiring/home-region';
import { cardChannelDirectory, paymentRepository } from '../../wiring/payments';
import { progressApproval } from '../../shared/payment-task-input';
import { taskHandler } from '../../shared/task-handler';
import { capturePayment } from '../../use-cases/payment-saga/capture-payment';

/** Payment workflow, step Capture: at the channel; the next step records it (with the approval Authorize carried). */
export const handler = taskHandler({
  step: 'Capture',
  input: z.object({ paymentId: z.string(), progress: progressApproval }),
  run: ({ paymentId, progress }) =>
    capturePayment({ payments: paymentRepository(), channels: cardChannelDirectory(), assertLedgerWritable: assertMerchantLedgerWritableHere }, { paymentId, approval: progress?.approval }),
});
