import * as z from 'zod/mini';
import { paymentAction } from '../../shared/payment-task-input';
import { cvcDiscarder } from '../../shared/cvc-discarder';
import { paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { screenPayment } from '../../use-cases/payment-saga/screen-payment';

/** Payment workflow, step Screen: risk rules and routing. */
export const handler = taskHandler({
  step: 'Screen',
  input: z.object({ paymentId: z.string(), action: paymentAction }),
  run: (input) => screenPayment({ payments: paymentRepository(), vault: cvcDiscarder(), now: () => new Date() }, input),
});
