import * as z from 'zod/mini';
import { cardChannelDirectory, paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { voidAuthorization } from '../../use-cases/payment-saga/void-authorization';

/** Payment saga, compensation VoidAuthorization. */
export const handler = taskHandler({
  step: 'VoidAuthorization',
  input: z.object({ paymentId: z.string() }),
  run: (input) => voidAuthorization({ payments: paymentRepository(), channels: cardChannelDirectory() }, input),
});
