import { CardDeclinedError } from '../../domain/channel-errors';
import { recordAuthorization, recordFailure } from '../../domain/payment-lifecycle';
import { type PaymentAction, type PaymentStepResult, nextPaymentStep } from '../../domain/payment-saga';
import type { ChannelAuthorization } from '../../ports/card-channel';
import type { CardHolds } from '../../ports/card-holds';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { changePayment, channelKeys, loadPayment, stepResult } from './change-payment';

type Answer = { readonly authorization: ChannelAuthorization } | { readonly declineCode: string } | { readonly unanswered: true };

const NOT_COMPLETED = {
  code: 'processing_error',
  message: 'The authorization could not be completed in time; nothing was charged.',
} as const;

/**
 * Authorize at the routed channel (workflow step "Authorize"). The only step that sees the card number.
 * 1. A payment past this step answers what it needs next (a repeated or resumed run: no second call).
 * 2. The card is still held: reveal it (one read, one decryption per attempt) and authorize with an
 *    idempotency key naming payment and channel; a retry after a timeout reveals the same hold, sends the
 *    same request and gets the original answer from the acquirer, never a second charge. Channel errors
 *    (ChannelTimeout...) propagate for Retry/Catch, and the hold stays for the retry.
 * 3. The hold is gone (expired: a recovery long after the first attempt): never authorize without the CVC;
 *    ask the channel what it recorded under the key instead, and take that answer (nothing recorded: the
 *    payment fails, nothing was charged).
 * 4. The authorization is over: discard the hold for good (PCI DSS 3.3.1 for the CVC; the card number is
 *    not kept either), then record the authorization or the decline. In that order, so no payment is ever
 *    recorded past this step with its card still held: if the record fails, the retry finds no hold and
 *    takes the acquirer's record of the same answer (step 3).
 */
export const authorizePayment = async (
  deps: {
    readonly payments: PaymentRepository;
    readonly holds: Pick<CardHolds, 'reveal' | 'discard'>;
    readonly channels: CardChannelDirectory;
    readonly now: () => Date;
  },
  input: { readonly paymentId: string; readonly action?: PaymentAction },
): Promise<PaymentStepResult> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (nextPaymentStep(payment) !== 'authorize') return stepResult(payment, input.action);
  if (!payment.channel) throw new Error(`Payment ${payment.id} has no channel to authorize at`);
  const channel = deps.channels.channel(payment.channel);
  const key = channelKeys.authorize(payment);

  let answer: Answer;
  const card = await deps.holds.reveal(payment.id, payment.merchantId);
  if (card === undefined) {
    const operation = await channel.findOperation(key);
    if (operation?.type === 'authorize' && operation.outcome === 'succeeded') answer = { authorization: operation.authorization };
    else if (operation?.outcome === 'failed' && operation.failure.declineCode) answer = { declineCode: operation.failure.declineCode };
    else answer = { unanswered: true };
  } else {
    try {
      answer = {
        authorization: await channel.authorize({
          idempotencyKey: key,
          amount: payment.amount,
          currency: payment.currency,
          card: { number: card.number, expMonth: card.exp_month, expYear: card.exp_year, cvc: card.cvc },
          merchantReference: payment.merchantId,
          paymentReference: payment.id,
          captureMethod: payment.captureMethod,
        }),
      };
    } catch (error) {
      if (!(error instanceof CardDeclinedError)) throw error;
      answer = { declineCode: error.declineCode };
    }
  }
  await deps.holds.discard(payment.id, payment.merchantId);
  const now = deps.now();
  const next = await changePayment(deps.payments, payment, (current) => {
    if (nextPaymentStep(current) !== 'authorize') return undefined;
    if ('authorization' in answer) {
      const { authorizationId, amountAuthorized, expiresAt } = answer.authorization;
      return recordAuthorization(current, { authorizationId, amountAuthorized, expiresAt }, now);
    }
    if ('declineCode' in answer) return recordFailure(current, { code: answer.declineCode, message: `The card was declined (${answer.declineCode}).` }, now);
    return recordFailure(current, NOT_COMPLETED, now);
  });
  return stepResult(next, input.action);
};
