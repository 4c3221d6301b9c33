import * as z from 'zod/mini';
import { paymentRepository } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { cvcDiscarder } from '../../shared/cvc-discarder';
import { failPayment } from '../../use-cases/payment-saga/fail-payment';

/** Payment saga, FailPayment: ends a payment `failed` or `canceled` after its compensations. */
export const handler = taskHandler({
  step: 'FailPayment',
  input: z.object({ paymentId: z.string(), outcome: z.enum(['failed', 'canceled']), error: z.optional(z.string()) }),
  run: (input) => failPayment({ payments: paymentRepository(), vault: cvcDiscarder(), now: () => new Date() }, input),
});
