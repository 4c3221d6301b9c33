import * as z from 'zod/mini';
import type { PaymentStepResult } from '../../domain/payment-saga';
import { paymentAction, runStart } from '../../shared/payment-task-input';
import { cardHoldDiscarder, cardVelocity } from '../../wiring/card-hold-table';
import { paymentRepository } from '../../wiring/payments';
import { merchantRiskRules } from '../../wiring/risk-rules';
import { channelHealth, merchantRouting } from '../../wiring/routing';
import { taskHandler } from '../../shared/task-handler';
import { screenPayment } from '../../use-cases/payment-saga/screen-payment';

/** Payment workflow, step Screen: risk rules and routing. */
export const handler = taskHandler({
  step: 'Screen',
  input: z.object({ paymentId: z.string(), action: paymentAction, run: runStart }),
  run: ({ run, ...input }) =>
    screenPayment(
      { payments: paymentRepository(), holds: cardHoldDiscarder(), velocity: cardVelocity(), health: channelHealth(), merchantRouting, riskRules: merchantRiskRules, now: () => new Date() },
      { ...input, ...(run?.screened ? { screened: run.screened as unknown as PaymentStepResult } : {}) },
    ),
});
