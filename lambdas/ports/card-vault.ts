import type { VaultedCard } from '../domain/card';

/**
 * The card vault: card numbers go in, tokens come out; only the function that talks to the channel gets
 * a number back (IAM grants it alone kms:Decrypt for cards). Tokens are scoped to a merchant: another
 * merchant's token is "not found".
 *
 * The CVC is sensitive authentication data (PCI DSS 3.3.1): kept only until the authorization, never
 * after it. Because authorization runs later, in the saga, the vault holds it encrypted for minutes under
 * a TTL, hands it out once (take = read and delete in one conditional write) and leaves a tombstone
 * that stops a retried create from holding it again.
 */
export interface CardDetails {
  readonly number: string;
  readonly exp_month: number;
  readonly exp_year: number;
}

export interface RevealedCard extends CardDetails {
  readonly token: string;
}

export interface StoreCardInput {
  readonly merchantId: string;
  /** The object the card was submitted for (the payment id): the token derives from it. */
  readonly reference: string;
  readonly card: CardDetails;
}

export interface HoldCvcInput {
  readonly merchantId: string;
  readonly paymentId: string;
  readonly cvc: string;
}

export interface CardVault {
  /**
   * Encrypts and keeps the card; returns what a payment may keep. Idempotent: the same merchant, reference
   * and card always give the same token (a retried request); another card (or expiry) under the same
   * reference is a VaultConflictError.
   */
  storeCard(input: StoreCardInput): Promise<VaultedCard>;
  /** The card behind a token of this merchant; ResourceNotFoundError for an unknown or foreign token. */
  revealCard(token: string, merchantId: string): Promise<RevealedCard>;
  /** Keeps the CVC encrypted until the authorization takes it or it expires. A no-op when already held or taken. */
  holdCvc(input: HoldCvcInput): Promise<void>;
  /** The CVC, once: it is deleted by the same write that hands it out. Undefined when taken, discarded, expired or never held. */
  takeCvc(paymentId: string, merchantId: string): Promise<string | undefined>;
  /**
   * The held CVC for one authorization attempt, left held: an attempt that ends without a definitive answer
   * (a timeout) is retried with the same request, CVC included, as the acquirer's idempotency requires.
   * The authorizing step discards it once the authorization is approved or declined (PCI DSS 3.3.1:
   * nothing after authorization); an expired CVC is discarded here and reads as absent.
   */
  peekCvc(paymentId: string, merchantId: string): Promise<string | undefined>;
  /** Deletes a held CVC that will not be used (the saga ended before authorizing). */
  discardCvc(paymentId: string, merchantId: string): Promise<void>;
}

/** The reference already holds a different secret: a reused Idempotency-Key with another card or account. */
export class VaultConflictError extends Error {
  override readonly name = 'VaultConflictError';
}
