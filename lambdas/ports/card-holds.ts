import type { FingerprintedCard } from '../domain/card';

/**
 * A payment's card, held for its authorization and never after (docs/decisions/0014-card-holds-and-regional-tables.md).
 *
 * The authorization needs the card number, expiry and CVC once, in the one function that talks to the
 * acquirer, seconds (at worst minutes) after the payment is created. So the create holds them, encrypted,
 * keyed by the payment, and the hold's secret is removed for good once the authorization has a definite
 * answer (approved or declined) or the payment ends before authorizing: PCI DSS 3.3.1 forbids keeping the CVC
 * after authorization, and without a stored card number there is no stored-PAN scope. What remains is a
 * tombstone without the secret (the fingerprint kept) for the Idempotency-Key window, so a retried create can
 * never hold the card again, and a different card under the same key is still told apart. A hold also expires
 * on its own, soon after the last moment a recovery could still use it.
 *
 * Only the create may hold (IAM: encrypt `card`), only the authorizing function reveal (decrypt `card`); the
 * functions that only end a payment discard without any key.
 */
export interface HeldCardDetails {
  readonly number: string;
  readonly exp_month: number;
  readonly exp_year: number;
  readonly cvc: string;
}

export interface HoldCardInput {
  readonly merchantId: string;
  /** The payment the card was submitted for: the hold is keyed by it. */
  readonly paymentId: string;
  readonly card: HeldCardDetails;
  /**
   * Hold the payment's Idempotency-Key for this request too, for this long (ms: the time a request may run):
   * the lease that tells a concurrent duplicate the first request is still at work (decision record 0048).
   */
  readonly leaseMs?: number;
  /**
   * The request's fingerprint (the payment's `requestFingerprint`), kept on the hold: a duplicate under the same
   * key with another request is a reused key (VaultConflictError) even before the first request has stored its
   * payment or answered, as when Powertools' in-progress record stood for the create (decision record 0048).
   */
  readonly requestFingerprint?: string;
}

export interface CardHold {
  /** What the payment keeps: brand, last4, expiry and the keyed fingerprint. */
  readonly card: FingerprintedCard;
  /** True when this call wrote the hold; false when the payment already had one (held, or its tombstone). */
  readonly held: boolean;
  /**
   * With `leaseMs`: true when this request now holds the key's lease: it wrote the hold, or took the lease
   * over from a request that released it or outran it; false while another request holds it (a duplicate
   * of a request still running). Without `leaseMs`, `held`.
   */
  readonly leased: boolean;
}

export interface CardHolds {
  /**
   * Encrypts and holds the card for the payment's authorization. Idempotent: a retry with the same card finds
   * the hold (or its tombstone) and writes nothing; another card (or expiry), or another request fingerprint
   * when both are known, under the same payment is a VaultConflictError (a reused Idempotency-Key).
   */
  hold(input: HoldCardInput): Promise<CardHold>;
  /**
   * The keyed fingerprint a hold of this card number keeps (`CardHold.card.fingerprint`), computed without holding
   * anything: the create's Idempotency-Key record tells another card under the key apart by it (decision record
   * 0044, amended). No I/O once the instance's fingerprint key is derived.
   */
  fingerprint(cardNumber: string): Promise<string>;
  /**
   * The held card for one authorization attempt, left held: an attempt without a definite answer (a timeout) is
   * retried with the same request, as the acquirer's idempotency requires. Undefined once discarded, expired
   * (then discarded on the spot), never held, or held for another merchant.
   */
  reveal(paymentId: string, merchantId: string): Promise<HeldCardDetails | undefined>;
  /** Removes the held secret for good, leaving the tombstone. A no-op when there is none. Needs no key. */
  discard(paymentId: string, merchantId: string): Promise<void>;
  /** Ends the key's lease early: the request holding it failed and is no longer at work. The hold stays as it is. */
  releaseLease(paymentId: string, merchantId: string): Promise<void>;
}
