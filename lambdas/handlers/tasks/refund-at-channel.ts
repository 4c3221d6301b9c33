import * as z from 'zod/mini';
import { cardChannelDirectory, paymentRepository } from '../../wiring/payments';
import { taskHandler } from '../../shared/task-handler';
import { refundAtChannel } from '../../use-cases/refund-saga/refund-at-channel';

/** Refund workflow, step RefundAtChannel: refund at the channel and complete the refund. */
export const handler = taskHandler({
  step: 'RefundAtChannel',
  input: z.object({ refundId: z.string() }),
  run: (input) => refundAtChannel({ payments: paymentRepository(), channels: cardChannelDirectory(), now: () => new Date() }, input),
});
