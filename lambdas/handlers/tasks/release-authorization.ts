import * as z from 'zod/mini';
import { cardHoldDiscarder } from '../../wiring/card-hold-table';
import { cardChannelDirectory, paymentRepository } from '../../wiring/payments';
import { paymentAction, progressApproval } from '../../shared/payment-task-input';
import { taskHandler } from '../../shared/task-handler';
import { releaseAuthorization } from '../../use-cases/payment-saga/release-authorization';

/** Payment workflow, step ReleaseAuthorization: void the hold (cancel, expiry, or compensation) and end the payment. */
export const handler = taskHandler({
  step: 'ReleaseAuthorization',
  input: z.object({ paymentId: z.string(), action: paymentAction, error: z.optional(z.string()), progress: progressApproval }),
  run: ({ progress, ...input }) =>
    releaseAuthorization(
      { payments: paymentRepository(), channels: cardChannelDirectory(), holds: cardHoldDiscarder(), now: () => new Date() },
      { ...input, approval: progress?.approval },
    ),
});
