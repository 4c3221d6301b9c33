/**
 * How many payments a subject made recently: risk screening's velocity signals (domain/risk.ts). A subject
 * is a card (its keyed fingerprint), a merchant's customer or an IP address (hashed), as
 * use-cases/payment-saga/risk-signals.ts names them. Counted per region: a merchant's payments are made in its
 * home region, so one region sees all of a merchant's attempts
 * (docs/decisions/0014-card-holds-and-regional-tables.md).
 */
export interface CardVelocity {
  /**
   * Count the distinct payments a subject made in a velocity window (`<minutes>m@<window start>`), this one
   * included. Idempotent: the same payment counted twice counts once.
   */
  countAttempt(subject: string, window: string, paymentId: string): Promise<number>;
}
