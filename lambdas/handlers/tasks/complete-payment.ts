import * as z from 'zod/mini';
import { paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { completePayment } from '../../use-cases/payment-saga/complete-payment';

/** Payment saga, step Complete. */
export const handler = taskHandler({
  step: 'Complete',
  input: z.object({ paymentId: z.string() }),
  run: (input) => completePayment({ payments: paymentRepository(), now: () => new Date() }, input),
});
