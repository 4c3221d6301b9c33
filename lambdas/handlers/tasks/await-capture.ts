import * as z from 'zod/mini';
import { paymentRepository, workflows } from '../../wiring/payments';
import { taskHandler } from '../../shared/task-handler';
import { awaitCapture } from '../../use-cases/payment-saga/await-capture';

/** Capture window, step AwaitCapture (`.waitForTaskToken`): stores the token the capture and cancel endpoints answer. */
export const handler = taskHandler({
  step: 'AwaitCapture',
  input: z.object({ paymentId: z.string(), taskToken: z.string() }),
  run: (input) => awaitCapture({ payments: paymentRepository(), workflows: workflows() }, input),
});
