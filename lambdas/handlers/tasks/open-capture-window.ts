import * as z from 'zod/mini';
import { paymentRepository, workflows } from '../../wiring/payments';
import { paymentAction } from '../../shared/payment-task-input';
import { taskHandler } from '../../shared/task-handler';
import { openCaptureWindow } from '../../use-cases/payment-saga/open-capture-window';

/** Payment workflow, step OpenCaptureWindow: a manual payment starts waiting for its merchant. */
export const handler = taskHandler({
  step: 'OpenCaptureWindow',
  input: z.object({ paymentId: z.string(), action: paymentAction }),
  run: (input) => openCaptureWindow({ payments: paymentRepository(), workflows: workflows(), now: () => new Date() }, input),
});
