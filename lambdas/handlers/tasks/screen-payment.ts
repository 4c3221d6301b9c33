import * as z from 'zod/mini';
import { paymentAction } from '../../shared/payment-task-input';
import { cardHoldDiscarder, cardVelocity } from '../../wiring/card-hold-table';
import { paymentRepository } from '../../wiring/payments';
import { merchantRiskRules } from '../../wiring/risk-rules';
import { channelHealth, merchantRouting } from '../../wiring/routing';
import { taskHandler } from '../../shared/task-handler';
import { screenPayment } from '../../use-cases/payment-saga/screen-payment';

/** Payment workflow, step Screen: risk rules and routing. */
export const handler = taskHandler({
  step: 'Screen',
  input: z.object({ paymentId: z.string(), action: paymentAction }),
  run: (input) =>
    screenPayment(
      { payments: paymentRepository(), holds: cardHoldDiscarder(), velocity: cardVelocity(), health: channelHealth(), merchantRouting, riskRules: merchantRiskRules, now: () => new Date() },
      input,
    ),
});
