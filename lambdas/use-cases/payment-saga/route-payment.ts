import { cardChannels } from '../../../platform/channels';
import { recordRouting } from '../../domain/payment-lifecycle';
import { chooseChannel } from '../../domain/routing';
import type { PaymentRepository } from '../../ports/payment-repository';
import { changePayment } from './change-payment';

/**
 * Pick the card channel (saga step "Route").
 * 1. Keep the channel already chosen (a retried or re-run step routes the same way: the authorization's
 *    idempotency key names the channel).
 * 2. Otherwise the cheapest channel that settles the currency (domain/routing.ts); none: NoChannelAvailable.
 */
export const routePayment = async (
  deps: { readonly payments: PaymentRepository; readonly now: () => Date },
  input: { readonly paymentId: string },
): Promise<{ channel: string }> => {
  const routed = await changePayment(deps.payments, input.paymentId, (payment) => {
    if (payment.channel) return undefined;
    const decision = chooseChannel(cardChannels, payment);
    return recordRouting(payment, decision.channel, deps.now());
  });
  return { channel: routed.channel as string };
};
