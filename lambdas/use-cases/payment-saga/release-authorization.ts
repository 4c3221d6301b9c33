import { AuthorizationExpiredError } from '../../domain/channel-errors';
import { DomainError } from '../../domain/errors';
import { type Payment, isTerminal } from '../../domain/payment';
import { type Approval, afterApproval, recordCancellation, recordFailure, requestCancel, withApproval } from '../../domain/payment-lifecycle';
import { type PaymentAction, type PaymentStepResult, failureAfter } from '../../domain/payment-saga';
import type { CardHolds } from '../../ports/card-holds';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { changePayment, channelKeys, loadPayment, stepResult } from './change-payment';

/** The reason an expiring authorization is released for (what the merchant reads as `cancellation_reason`). */
export const EXPIRED = 'authorization_expired';

/**
 * Release the hold on the card and end the payment (workflow step "ReleaseAuthorization"): the merchant
 * canceled, the capture window is closing on an authorization about to lapse, or (`error` given) a step
 * failed for good after authorizing or while the authorization's outcome was unknown.
 * 1. Expiry: first claim the payment for it (`requires_capture` → a cancel request, over the version
 *    read): a merchant's capture that got there first wins, and this step then answers `capture`.
 * 2. Nothing to release for (no cancel request and no error): answer what the payment needs instead.
 * 3. Void the authorization, or, when its outcome is unknown (every attempt timed out), ask the channel
 *    what it recorded under the authorization's key and void that if it exists. Voiding twice answers the
 *    voided authorization; an expired one is already released.
 * 4. End the payment: `canceled` with the merchant's (or the expiry's) reason, or `failed` with the code
 *    of the error; then discard its card hold if it is still there. Not before: a release that cannot reach
 *    the acquirer hands the payment to its recovery, which authorizes it with that card. A final payment
 *    found here (a retry after the end was written) discards it too.
 * An automatic payment's approval carried in the run's state (decision record 0047: a capture refused, or
 * NotHomeRegionError before it) is the authorization voided, and is recorded with the failure in one write
 * (`payment.authorized`, then `payment.failed`), as if Authorize had written it. An automatic payment's
 * authorization found only by asking the channel may have been captured by a run that died before
 * recording it: by its sale (the authorization found captured, decision record 0053) or by Capture (the
 * capture's key is asked too). A capture found is not voided: the error hands the payment to its recovery,
 * which posts it.
 */
export const releaseAuthorization = async (
  deps: {
    readonly payments: PaymentRepository;
    readonly channels: CardChannelDirectory;
    readonly holds: Pick<CardHolds, 'discard'>;
    readonly now: () => Date;
  },
  input: { readonly paymentId: string; readonly action?: PaymentAction; readonly error?: string; readonly approval?: Approval },
): Promise<PaymentStepResult> => {
  let payment = await loadPayment(deps.payments, input.paymentId);
  if (isTerminal(payment)) {
    await deps.holds.discard(payment.id, payment.merchantId);
    return stepResult(payment, input.action);
  }
  if (!input.error && input.action === 'expire') {
    payment = await changePayment(deps.payments, payment, (current) =>
      current.status === 'requires_capture' && !current.captureRequested ? requestCancel(current, EXPIRED, deps.now()) : undefined,
    );
  }
  if (!input.error && !payment.cancellationReason) return stepResult(payment, input.action);

  const approval = input.error ? input.approval : undefined;
  await voidAt(deps.channels, withApproval(payment, approval));
  const ended = await changePayment(deps.payments, payment, (current) => {
    if (isTerminal(current)) return undefined;
    if (input.error) return afterApproval(current, approval, (authorized) => recordFailure(authorized, failureAfter(input.error), deps.now()));
    return recordCancellation(current, current.cancellationReason ?? EXPIRED, deps.now());
  });
  await deps.holds.discard(payment.id, payment.merchantId);
  return stepResult(ended, input.action);
};

/** A capture the channel made that the payment does not record (its run died before PostToLedger): posted by the recovery, never voided. */
export class CapturedUnrecordedError extends DomainError {
  override readonly name = 'CapturedUnrecorded';
  constructor(paymentId: string) {
    super(`Payment ${paymentId} was captured at its channel by a run that did not record it: left to its recovery, not voided`);
  }
}

const voidAt = async (channels: CardChannelDirectory, payment: Payment): Promise<void> => {
  if (!payment.channel || payment.captureId) return;
  const channel = channels.channel(payment.channel);
  let authorizationId = payment.authorizationId;
  if (!authorizationId) {
    const operation = await channel.findOperation(channelKeys.authorize(payment));
    if (operation?.type === 'authorize' && operation.outcome === 'succeeded') {
      authorizationId = operation.authorization.authorizationId;
      if (operation.authorization.captureIds.length > 0) throw new CapturedUnrecordedError(payment.id);
    }
    if (authorizationId && payment.captureMethod === 'automatic') {
      const capture = await channel.findOperation(channelKeys.capture(payment));
      if (capture?.type === 'capture' && capture.outcome === 'succeeded') throw new CapturedUnrecordedError(payment.id);
    }
  }
  if (!authorizationId) return;
  try {
    await channel.void({ idempotencyKey: channelKeys.void(payment), authorizationId });
  } catch (error) {
    if (!(error instanceof AuthorizationExpiredError)) throw error;
  }
};
