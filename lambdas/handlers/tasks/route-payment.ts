import * as z from 'zod/mini';
import { paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { routePayment } from '../../use-cases/payment-saga/route-payment';

/** Payment saga, step Route. */
export const handler = taskHandler({
  step: 'Route',
  input: z.object({ paymentId: z.string() }),
  run: (input) => routePayment({ payments: paymentRepository(), now: () => new Date() }, input),
});
