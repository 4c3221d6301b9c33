import { CardDeclinedError } from '../../domain/channel-errors';
import { isTerminal } from '../../domain/payment';
import { recordAuthorization, recordFailure } from '../../domain/payment-lifecycle';
import type { CardVault } from '../../ports/card-vault';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { changePayment, channelKeys, loadPayment } from './change-payment';

/** The longest a manual payment waits for its capture: the authorization's life minus a safety hour. */
const CAPTURE_MARGIN_SECONDS = 60 * 60;

export type AuthorizationOutcome =
  | { readonly outcome: 'authorized'; readonly captureMethod: 'automatic' | 'manual'; readonly captureWindowSeconds: number }
  | { readonly outcome: 'declined'; readonly declineCode: string };

/**
 * Authorize at the routed channel (saga step "Authorize"). The only step that sees the card number.
 * 1. A payment already authorized (or declined) answers from what it holds: no second call.
 * 2. Reveal the card from the vault and read the held CVC.
 * 3. Authorize with an idempotency key naming payment and channel: a retry after a timeout sends the same
 *    request (CVC included) and gets the original answer from the acquirer, never a second charge.
 * 4. Approved: record the authorization. Declined: record the failure and answer `declined` (a business
 *    outcome the saga routes on; channel errors such as ChannelTimeout propagate for Retry/Catch).
 * 5. Either way the authorization is over: discard the CVC (PCI DSS 3.3.1). An attempt without a
 *    definitive answer keeps it for the retry (it expires on its own within minutes).
 */
export const authorizePayment = async (
  deps: {
    readonly payments: PaymentRepository;
    readonly vault: Pick<CardVault, 'revealCard' | 'peekCvc' | 'discardCvc'>;
    readonly channels: CardChannelDirectory;
    readonly now: () => Date;
  },
  input: { readonly paymentId: string },
): Promise<AuthorizationOutcome> => {
  const outcomeOf = (payment: Awaited<ReturnType<typeof loadPayment>>): AuthorizationOutcome | undefined => {
    if (payment.authorizationId && payment.authorizationExpiresAt) {
      const seconds = Math.floor((Date.parse(payment.authorizationExpiresAt) - deps.now().getTime()) / 1000) - CAPTURE_MARGIN_SECONDS;
      return { outcome: 'authorized', captureMethod: payment.captureMethod, captureWindowSeconds: Math.max(60, seconds) };
    }
    if (payment.failure) return { outcome: 'declined', declineCode: payment.failure.code };
    return undefined;
  };

  const payment = await loadPayment(deps.payments, input.paymentId);
  const known = outcomeOf(payment);
  if (known) return known;
  if (!payment.channel || isTerminal(payment)) throw new Error(`Payment ${payment.id} is not ready to authorize (${payment.status})`);

  const card = await deps.vault.revealCard(payment.paymentMethod.card.token, payment.merchantId);
  const cvc = await deps.vault.peekCvc(payment.id, payment.merchantId);
  const channel = deps.channels.channel(payment.channel);
  let next;
  try {
    const authorization = await channel.authorize({
      idempotencyKey: channelKeys.authorize(payment),
      amount: payment.amount,
      currency: payment.currency,
      card: { number: card.number, expMonth: card.exp_month, expYear: card.exp_year, cvc },
      merchantReference: payment.merchantId,
      paymentReference: payment.id,
      captureMethod: payment.captureMethod,
    });
    next = await changePayment(deps.payments, payment.id, (current) =>
      current.authorizationId
        ? undefined
        : recordAuthorization(current, { authorizationId: authorization.authorizationId, amountAuthorized: authorization.amountAuthorized, expiresAt: authorization.expiresAt }, deps.now()),
    );
  } catch (error) {
    if (!(error instanceof CardDeclinedError)) throw error;
    next = await changePayment(deps.payments, payment.id, (current) =>
      isTerminal(current)
        ? undefined
        : recordFailure(current, { code: error.declineCode, message: `The card was declined (${error.declineCode}).` }, deps.now()),
    );
  }
  await deps.vault.discardCvc(payment.id, payment.merchantId);
  const outcome = outcomeOf(next);
  if (!outcome) throw new Error(`Payment ${payment.id} recorded no authorization outcome`);
  return outcome;
};
