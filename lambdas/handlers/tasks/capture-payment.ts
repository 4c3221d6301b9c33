import * as z from 'zod/mini';
import { assertMerchantLedgerWritableHere } from '../../wiring/home-region';
import { cardChannelDirectory, paymentRepository } from '../../wiring/payments';
import { taskHandler } from '../../shared/task-handler';
import { capturePayment } from '../../use-cases/payment-saga/capture-payment';

/** Payment workflow, step Capture: at the channel; the next step records it. */
export const handler = taskHandler({
  step: 'Capture',
  input: z.object({ paymentId: z.string() }),
  run: (input) => capturePayment({ payments: paymentRepository(), channels: cardChannelDirectory(), assertLedgerWritable: assertMerchantLedgerWritableHere }, input),
});
