import * as z from 'zod/mini';
import { paymentRepository } from '../../wiring/payments';
import { taskHandler } from '../../shared/task-handler';
import { failRefund } from '../../use-cases/refund-saga/fail-refund';

/** Refund workflow, FailRefund: the refund fails and its reservation on the payment is released. */
export const handler = taskHandler({
  step: 'FailRefund',
  input: z.object({ refundId: z.string(), error: z.optional(z.string()) }),
  run: (input) => failRefund({ payments: paymentRepository(), now: () => new Date() }, input),
});
