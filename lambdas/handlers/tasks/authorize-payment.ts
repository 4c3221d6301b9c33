import * as z from 'zod/mini';
import { cardHoldsFromEnvironment } from '../../wiring/card-holds';
import { assertMerchantLedgerWritableHere } from '../../wiring/home-region';
import { cardChannelDirectory, paymentRepository } from '../../wiring/payments';
import { paymentAction } from '../../shared/payment-task-input';
import { channelHealth } from '../../wiring/routing';
import { taskHandler } from '../../shared/task-handler';
import { authorizePayment } from '../../use-cases/payment-saga/authorize-payment';

/** Payment workflow, step Authorize: the only function allowed to decrypt a card hold (platform/functions.ts). */
export const handler = taskHandler({
  step: 'Authorize',
  input: z.object({ paymentId: z.string(), action: paymentAction }),
  run: (input) =>
    authorizePayment(
      { payments: paymentRepository(), holds: cardHoldsFromEnvironment(), channels: cardChannelDirectory(), health: channelHealth(), assertLedgerWritable: assertMerchantLedgerWritableHere, now: () => new Date() },
      input,
    ),
});
