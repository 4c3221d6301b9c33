import * as z from 'zod/mini';
import { paymentRepository, workflows } from '../../shared/payment-deps';
import { taskHandler } from '../../shared/task-handler';
import { awaitCapture } from '../../use-cases/payment-saga/await-capture';

/** Payment saga, step AwaitCapture (`.waitForTaskToken`): stores the token the capture endpoint resumes. */
export const handler = taskHandler({
  step: 'AwaitCapture',
  input: z.object({ paymentId: z.string(), taskToken: z.string() }),
  run: (input) => awaitCapture({ payments: paymentRepository(), workflows: workflows(), now: () => new Date() }, input),
});
