import * as z from 'zod/mini';
import { cardChannelDirectory, paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { refundCapture } from '../../use-cases/payment-saga/refund-capture';

/** Payment saga, compensation RefundCapture. */
export const handler = taskHandler({
  step: 'RefundCapture',
  input: z.object({ paymentId: z.string() }),
  run: (input) => refundCapture({ payments: paymentRepository(), channels: cardChannelDirectory() }, input),
});
