import * as z from 'zod/mini';
import { paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { cvcDiscarder } from '../../shared/cvc-discarder';
import { screenPayment } from '../../use-cases/payment-saga/screen-payment';

/** Payment saga, step Screen. */
export const handler = taskHandler({
  step: 'Screen',
  input: z.object({ paymentId: z.string() }),
  run: (input) => screenPayment({ payments: paymentRepository(), vault: cvcDiscarder(), now: () => new Date() }, input),
});
