import { isTerminal } from '../../domain/payment';
import { recordCancellation, recordFailure } from '../../domain/payment-lifecycle';
import type { CardVault } from '../../ports/card-vault';
import type { PaymentRepository } from '../../ports/payment-repository';
import { changePayment } from './change-payment';

/**
 * End a payment that will not succeed (saga step "FailPayment"), after its compensations ran.
 * `canceled`: the merchant canceled, or the authorization expired before a capture; `failed`: a step
 * failed for good. The failure code comes from the error the saga caught (what ops and merchants read).
 * Any CVC still held is discarded. A payment already ended stays as it is.
 */
const FAILURE_CODES: Record<string, { code: string; message: string }> = {
  ChannelTimeout: { code: 'processing_error', message: 'The card network did not answer in time; nothing was charged.' },
  ChannelUnavailable: { code: 'processing_error', message: 'The card network was unavailable; nothing was charged.' },
  ChannelRequestRejected: { code: 'processing_error', message: 'The card network refused the request.' },
  CaptureFailed: { code: 'capture_failed', message: 'The capture was refused by the card network; the authorization was released.' },
  AuthorizationExpired: { code: 'authorization_expired', message: 'The authorization expired before it was captured.' },
  NoChannelAvailable: { code: 'currency_not_supported', message: 'No card network accepts this currency right now.' },
  'States.Timeout': { code: 'processing_error', message: 'A processing step took too long; nothing was kept.' },
};
const DEFAULT_FAILURE = { code: 'processing_error', message: 'The payment could not be processed; nothing was kept.' };

export const failPayment = async (
  deps: { readonly payments: PaymentRepository; readonly vault: Pick<CardVault, 'discardCvc'>; readonly now: () => Date },
  input: { readonly paymentId: string; readonly outcome: 'failed' | 'canceled'; readonly error?: string },
): Promise<{ status: string }> => {
  const payment = await changePayment(deps.payments, input.paymentId, (current) => {
    if (isTerminal(current)) return undefined;
    if (input.outcome === 'canceled') {
      const reason = input.error === 'States.Timeout' ? 'authorization_expired' : (current.cancellationReason ?? 'requested_by_merchant');
      return recordCancellation(current, reason, deps.now());
    }
    return recordFailure(current, FAILURE_CODES[input.error ?? ''] ?? DEFAULT_FAILURE, deps.now());
  });
  await deps.vault.discardCvc(payment.id, payment.merchantId);
  return { status: payment.status };
};
