import { IdempotencyKeyReusedError, RequestInFlightError } from '../domain/errors';
import { deriveId } from '../domain/ids';
import { type CaptureMethod, type Payment, type RiskContext, isTerminal, newPayment } from '../domain/payment';
import type { Transition } from '../domain/payment-lifecycle';
import type { CardHold, CardHolds } from '../ports/card-holds';
import type { PaymentRepository } from '../ports/payment-repository';
import { VaultConflictError } from '../ports/vault-errors';
import type { Workflows } from '../ports/workflows';
import { nextPaymentStep } from '../domain/payment-saga';
import { stepResult } from './payment-saga/change-payment';
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
  /** What the merchant told risk screening about the customer and card (optional). */
  readonly riskContext?: RiskContext;
}

export interface CreatePaymentDeps {
  readonly payments: PaymentRepository;
  readonly holds: CardHolds;
  readonly workflows: Workflows;
  readonly now: () => Date;
  /** When to stop waiting for the payment's workflow (epoch ms). */
  readonly deadline?: number;
  /**
   * Risk screening and routing (payment-saga/screen-payment.ts, `screeningOf`), made before the payment is
   * stored so that its first write records them: one write where the create and the Screen step made two
   * (decision record 0038). Without it the workflow's Screen step screens, as before.
   */
  readonly screen?: (payment: Payment) => Promise<(current: Payment) => Transition | undefined>;
  /**
   * How long a request may run (ms; the create function's timeout). Given when no idempotency record guards
   * the key while its first request runs (decision record 0048): the card hold then carries a lease on the
   * key for that long; a duplicate that finds it held is refused with RequestInFlightError (409) instead of
   * running the payment beside it; a request that fails releases it, so its retry proceeds at once.
   */
  readonly inFlightMs?: number;
}

/**
 * Create a payment. The input is already validated (amount, currency, card checks are the adapter's).
 * 1. Derive the payment id from the merchant and its Idempotency-Key. If the payment exists (a retry whose
 *    idempotency record is gone: a late retry after it expired, or a retry in the other region) and is final
 *    or past its first run, answer with it as stored (or refuse the key when the request differs) before
 *    anything else: the card is not held again, not even for a moment (the late_retry drill counts holds).
 *    With `inFlightMs`, a payment not final and younger than a request may run goes on to step 2 instead:
 *    its first request may still be running it.
 * 2. Hold the card (number, expiry and CVC, encrypted, keyed by the payment id) for the authorization, before
 *    the payment exists, so no workflow ever sees a payment without its card. A retry finds the hold (or
 *    its tombstone, once the authorization answered) and holds nothing again; another card under the same
 *    key is a reused key. With `inFlightMs`, the hold also leases the key to this request: a duplicate finds
 *    the lease held by a request still at work and is refused (RequestInFlightError, 409); a lease released
 *    (its request failed) or outrun (its request died) passes to this one, which resumes as a retry.
 * 3. Build the payment in `processing`, keeping only the card's brand, BIN, last4, expiry and fingerprint,
 *    and screen it (risk rules, routing: the Screen step's decision, `screeningOf`) unless a payment of that
 *    id is already stored (a retry: the stored one's screening stands). A decline fails it, its hold
 *    discarded first.
 * 4. Store it with a conditional write (its timeline starts with its creation and screening). If the id is taken, this is a
 *    retry of a request whose response was never recorded (a crash between the two writes, or a retry in the
 *    other region, whose idempotency records are its own, or a late retry after its record expired): refuse
 *    the key when the request differs; return the stored payment when it is final or already past its first
 *    run. A hold this very call wrote is then of no use (no run will authorize with it), so it is discarded
 *    at once.
 * 5. Run the payment's workflow (Express, synchronously) and answer with the payment as it left it:
 *    usually final (succeeded, failed) or waiting for its capture.
 */
export const createPayment = async (deps: CreatePaymentDeps, command: CreatePaymentCommand): Promise<Payment> => {
  const id = deriveId('pay', command.merchantId, command.idempotencyKey);
  const existing = await deps.payments.get(id, { consistent: true });
  // The version the create itself writes: 2 when it screens (created, screened), 1 when the Screen step does.
  // Beyond it, a run has written: the payment is past its first run.
  const createdVersion = deps.screen ? 2 : 1;
  const leaseMs = deps.inFlightMs;
  // Created so recently that its first request may still be at work: the lease below decides.
  const mayBeRunning = (payment: Payment) => leaseMs !== undefined && !isTerminal(payment) && deps.now().getTime() - Date.parse(payment.createdAt) < leaseMs;
  if (existing && existing.merchantId === command.merchantId && (isTerminal(existing) || existing.version > createdVersion) && !mayBeRunning(existing)) {
    // The request's fingerprint covers the card's brand, last4 and expiry (never its number); the number is
    // compared by its keyed fingerprint, which the payment keeps (another card of the same BIN and last4 is refused).
    if (existing.requestFingerprint !== command.requestFingerprint || existing.paymentMethod.card.fingerprint !== (await deps.holds.fingerprint(command.card.number))) {
      throw new IdempotencyKeyReusedError();
    }
    return existing;
  }
  if (existing && existing.merchantId === command.merchantId && existing.requestFingerprint !== command.requestFingerprint) throw new IdempotencyKeyReusedError();
  const hold = await deps.holds.hold({ merchantId: command.merchantId, paymentId: id, card: command.card, leaseMs, requestFingerprint: command.requestFingerprint }).catch((error: unknown) => {
    throw error instanceof VaultConflictError ? new IdempotencyKeyReusedError() : error;
  });
  if (leaseMs === undefined) return createHeld(deps, command, { id, existing, hold, createdVersion });
  if (!hold.leased) throw new RequestInFlightError();
  try {
    return await createHeld(deps, command, { id, existing, hold, createdVersion });
  } catch (error) {
    // This request is no longer at work: its retry need not wait for the lease to run out. (Should the
    // release fail too, the lease runs out on its own: the error that matters is the first.)
    await deps.holds.releaseLease(id, command.merchantId).catch(() => undefined);
    throw error;
  }
};

/** Steps 3 to 5, the card held (and with `inFlightMs`, the key leased to this request). */
const createHeld = async (
  deps: CreatePaymentDeps,
  command: CreatePaymentCommand,
  { id, existing, hold, createdVersion }: { readonly id: string; readonly existing: Payment | undefined; readonly hold: CardHold; readonly createdVersion: number },
): Promise<Payment> => {
  const payment = newPayment({
    id,
    merchantId: command.merchantId,
    amount: command.amount,
    currency: command.currency,
    captureMethod: command.captureMethod,
    card: { ...hold.card, bin: command.card.number.slice(0, 6) },
    description: command.description,
    metadata: command.metadata,
    ...(command.riskContext ? { riskContext: command.riskContext } : {}),
    requestFingerprint: command.requestFingerprint,
    now: deps.now(),
  });
  // A retry of a stored payment (not past its first run) keeps the stored screening: the insert below finds it.
  const decide = deps.screen && !existing ? await deps.screen(payment) : undefined;
  const stored = await deps.payments.insert(decide?.(payment)?.payment ?? payment);
  const sameRequest = stored.created || (stored.payment.requestFingerprint === command.requestFingerprint && stored.payment.paymentMethod.card.fingerprint === hold.card.fingerprint);
  // A retry (even a late one, after its idempotency record expired) of a payment past its first run, and so
  // of any payment in a final state, gets the payment as stored: nothing is run, charged or sent again.
  const runs = sameRequest && (stored.created || (!isTerminal(stored.payment) && stored.payment.version <= createdVersion));
  if (!runs && hold.held) {
    // This retry held the card anew (in the other region, or after the first hold expired): no run will authorize with it.
    await deps.holds.discard(id, command.merchantId);
  }
  if (!sameRequest) throw new IdempotencyKeyReusedError();
  if (!runs) return stored.payment;
  // Stored screened by this very call: the run starts with the answer its Screen step would read (decision 0055).
  const screened = stored.created && nextPaymentStep(stored.payment) === 'authorize' ? stepResult(stored.payment, 'create') : undefined;
  return runPaymentWorkflow(deps, stored.payment, 'create', screened);
};
