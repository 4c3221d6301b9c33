/**
 * How many payments a card (its keyed fingerprint) made recently: risk screening's velocity signal
 * (domain/risk.ts). Counted per region: a merchant's payments are made in its home region, so one region
 * sees all of a merchant's attempts (docs/decisions/0014-card-holds-and-regional-tables.md).
 */
export interface CardVelocity {
  /**
   * Count the distinct payments made with a card in a velocity window, this one included. Idempotent: the same
   * payment counted twice counts once.
   */
  countCardAttempt(fingerprint: string, window: string, paymentId: string): Promise<number>;
}
