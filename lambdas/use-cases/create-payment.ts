import { IdempotencyKeyReusedError } from '../domain/errors';
import { deriveId } from '../domain/ids';
import { type CaptureMethod, type Payment, isTerminal, newPayment } from '../domain/payment';
import { type CardVault, VaultConflictError } from '../ports/card-vault';
import type { PaymentRepository } from '../ports/payment-repository';
import type { Workflows } from '../ports/workflows';
import { runPaymentWorkflow } from './run-workflows';

export interface CreatePaymentCommand {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  /** Hash of the request with card data left out; see `Payment.requestFingerprint`. */
  readonly requestFingerprint: string;
  readonly amount: number;
  readonly currency: string;
  readonly captureMethod: CaptureMethod;
  readonly card: { readonly number: string; readonly exp_month: number; readonly exp_year: number; readonly cvc: string };
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface CreatePaymentDeps {
  readonly payments: PaymentRepository;
  readonly vault: CardVault;
  readonly workflows: Workflows;
  readonly now: () => Date;
  /** When to stop waiting for the payment's workflow (epoch ms). */
  readonly deadline?: number;
}

/**
 * Create a payment. The input is already validated (amount, currency, card checks are the adapter's).
 * 1. Derive the payment id from the merchant and its Idempotency-Key.
 * 2. Put the card in the vault (token derived from the payment id, so a retry gets the same token; a
 *    different card under the same key is a reused key) and hold the CVC, encrypted, until the
 *    authorization takes it. Both before the payment exists, so the saga never sees a payment whose
 *    card is missing.
 * 3. Build the payment in `processing`, keeping only the token, brand, BIN, last4, expiry and fingerprint.
 * 4. Store it with a conditional write (its timeline starts with its creation). If the id is taken, this is a retry of a request whose response
 *    was never recorded (a crash between the two writes): return the stored payment when the request
 *    matches, refuse the key when it does not.
 * 5. Run the payment's workflow (Express, synchronously) and answer with the payment as it left it:
 *    usually final (succeeded, failed) or waiting for its capture. A stored payment already past its
 *    first run (the retry of a request whose response was lost) is answered as it is.
 */
export const createPayment = async (deps: CreatePaymentDeps, command: CreatePaymentCommand): Promise<Payment> => {
  const id = deriveId('pay', command.merchantId, command.idempotencyKey);
  const { cvc, ...card } = command.card;
  const vaulted = await deps.vault.storeCard({ merchantId: command.merchantId, reference: id, card }).catch((error: unknown) => {
    throw error instanceof VaultConflictError ? new IdempotencyKeyReusedError() : error;
  });
  await deps.vault.holdCvc({ merchantId: command.merchantId, paymentId: id, cvc });
  const payment = newPayment({
    id,
    merchantId: command.merchantId,
    amount: command.amount,
    currency: command.currency,
    captureMethod: command.captureMethod,
    card: { ...vaulted, bin: command.card.number.slice(0, 6) },
    description: command.description,
    metadata: command.metadata,
    requestFingerprint: command.requestFingerprint,
    now: deps.now(),
  });
  const stored = await deps.payments.insert(payment);
  if (!stored.created && stored.payment.requestFingerprint !== command.requestFingerprint) {
    throw new IdempotencyKeyReusedError();
  }
  // A retry (even a late one, after its idempotency record expired) of a payment past its first run, and so
  // of any payment in a final state, gets the payment as stored: nothing is run, charged or sent again.
  if (!stored.created && (isTerminal(stored.payment) || stored.payment.version > 1)) return stored.payment;
  return runPaymentWorkflow(deps, stored.payment, 'create');
};
