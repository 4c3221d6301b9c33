import * as z from 'zod/mini';
import { cardChannelDirectory, paymentRepository } from '../../shared/payment-deps';
import { paymentAction } from '../../shared/payment-task-input';
import { taskHandler } from '../../shared/task-handler';
import { vaultFromEnvironment } from '../../shared/vault';
import { authorizePayment } from '../../use-cases/payment-saga/authorize-payment';

/** Payment workflow, step Authorize: the only function allowed to decrypt a card (platform/functions.ts). */
export const handler = taskHandler({
  step: 'Authorize',
  input: z.object({ paymentId: z.string(), action: paymentAction }),
  run: (input) =>
    authorizePayment({ payments: paymentRepository(), vault: vaultFromEnvironment(), channels: cardChannelDirectory(), now: () => new Date() }, input),
});
