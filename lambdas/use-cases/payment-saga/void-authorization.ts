import { AuthorizationExpiredError } from '../../domain/channel-errors';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { channelKeys, loadPayment } from './change-payment';

/**
 * Compensation: release the hold on the card (saga step "VoidAuthorization").
 * 1. Known authorization: void it (idempotent; voiding a voided one answers it as is; an expired one is
 *    already released).
 * 2. Authorization outcome unknown (the authorize call timed out every time): ask the channel what it
 *    recorded under the authorization's idempotency key, and void it if it exists.
 * 3. Nothing was authorized: nothing to release.
 */
export const voidAuthorization = async (
  deps: { readonly payments: PaymentRepository; readonly channels: CardChannelDirectory },
  input: { readonly paymentId: string },
): Promise<{ voided: boolean }> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (!payment.channel || payment.captureId) return { voided: false };
  const channel = deps.channels.channel(payment.channel);
  let authorizationId = payment.authorizationId;
  if (!authorizationId) {
    const operation = await channel.findOperation(channelKeys.authorize(payment));
    if (operation?.type === 'authorize' && operation.outcome === 'succeeded') authorizationId = operation.authorization.authorizationId;
  }
  if (!authorizationId) return { voided: false };
  try {
    await channel.void({ idempotencyKey: channelKeys.void(payment), authorizationId });
  } catch (error) {
    if (!(error instanceof AuthorizationExpiredError)) throw error;
  }
  return { voided: true };
};
