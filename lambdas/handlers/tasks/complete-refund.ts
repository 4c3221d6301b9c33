import * as z from 'zod/mini';
import { paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { completeRefund } from '../../use-cases/refund-saga/refund-steps';

/** Refund saga, step CompleteRefund. */
export const handler = taskHandler({
  step: 'CompleteRefund',
  input: z.object({ refundId: z.string(), channelRefundId: z.string() }),
  run: (input) => completeRefund({ payments: paymentRepository(), now: () => new Date() }, input),
});
