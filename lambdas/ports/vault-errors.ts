/**
 * The reference already holds a different secret: a reused Idempotency-Key with another card (a payment's
 * card hold) or another bank account (a beneficiary's vault entry). The use cases answer it as
 * IdempotencyKeyReusedError.
 */
export class VaultConflictError extends Error {
  override readonly name = 'VaultConflictError';
}
