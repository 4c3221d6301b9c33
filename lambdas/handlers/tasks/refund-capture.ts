import * as z from 'zod/mini';
import { cardChannelDirectory, paymentRepository } from '../../wiring/payments';
import { captureResult, paymentAction } from '../../shared/payment-task-input';
import { taskHandler } from '../../shared/task-handler';
import { refundCapture } from '../../use-cases/payment-saga/refund-capture';

/** Payment workflow, compensation RefundCapture: give a capture back and fail the payment. */
export const handler = taskHandler({
  step: 'RefundCapture',
  input: z.object({ paymentId: z.string(), capture: captureResult, error: z.optional(z.string()), action: paymentAction }),
  run: (input) => refundCapture({ payments: paymentRepository(), channels: cardChannelDirectory(), now: () => new Date() }, input),
});
