import type { Beneficiary } from '../domain/payouts/beneficiary';
import type { Payout } from '../domain/payouts/payout';
import type { ClaimOutcome } from './fx-repository';

/**
 * Storage of beneficiaries and payouts (the `payouts` table, docs/data-model.md), plus what connects a
 * payout's saga to the outside world: the task token each wait of the saga registered, the signal
 * (operator decision, rail outcome) that answers it, and the rail's reference for the payout.
 */
export interface BeneficiaryPage {
  readonly beneficiaries: readonly Beneficiary[];
  readonly hasMore: boolean;
}

export interface PayoutPage {
  readonly payouts: readonly Payout[];
  readonly hasMore: boolean;
}

/** What the saga waits for: an operator's review decision, the rail's confirmation, a return after payment. */
export const SIGNAL_PURPOSES = ['review', 'rail', 'return'] as const;
export type SignalPurpose = (typeof SIGNAL_PURPOSES)[number];

/** The answer to one wait: SendTaskSuccess with `output`, or SendTaskFailure with `error` and `cause`. */
export type PayoutSignal =
  | { readonly purpose: SignalPurpose; readonly outcome: 'success'; readonly output: Readonly<Record<string, unknown>>; readonly recordedAt: string }
  | { readonly purpose: SignalPurpose; readonly outcome: 'failure'; readonly error: string; readonly cause: string; readonly recordedAt: string };

export type InsertPayoutResult =
  | { readonly outcome: 'created' | 'exists'; readonly payout: Payout }
  | { readonly outcome: Exclude<ClaimOutcome, 'claimed'> };

export interface PayoutRepository {
  /** Stores a new beneficiary unless its id exists; either way returns what is stored. */
  insertBeneficiary(beneficiary: Beneficiary): Promise<{ readonly created: boolean; readonly beneficiary: Beneficiary }>;
  getBeneficiary(id: string, options?: { readonly consistent?: boolean }): Promise<Beneficiary | undefined>;
  /** Newest first; `after` is a beneficiary of the same merchant to continue after. */
  listBeneficiaries(merchantId: string, page: { readonly limit: number; readonly after?: Beneficiary }): Promise<BeneficiaryPage>;

  /**
   * Stores a new payout unless its id exists, claiming its quote (in the `fx` table) in the same
   * transaction when it converts: the claim fails when the quote expired or another object used it.
   */
  insertPayout(payout: Payout, options?: { readonly claimQuote?: { readonly now: Date } }): Promise<InsertPayoutResult>;
  getPayout(id: string, options?: { readonly consistent?: boolean }): Promise<Payout | undefined>;
  listPayouts(merchantId: string, page: { readonly limit: number; readonly after?: Payout }): Promise<PayoutPage>;
  /** Writes `next` only over version `next.version − 1`; StaleVersionError otherwise. */
  updatePayout(next: Payout): Promise<void>;
  /** The payout's saga runs (its first step): remove its saga-start marker, so the sweeper leaves it alone. Idempotent. */
  payoutSagaStarted(payoutId: string): Promise<void>;

  /** Records which payout a rail reference belongs to (idempotent; the same reference for another payout is an error). */
  putRailReference(channel: string, railReference: string, payoutId: string): Promise<void>;
  payoutIdForRailReference(channel: string, railReference: string): Promise<string | undefined>;

  /** The saga's current task token for a wait (a newer run of the saga replaces it). */
  putWaitingToken(payoutId: string, purpose: SignalPurpose, token: string, now: Date): Promise<void>;
  getWaitingToken(payoutId: string, purpose: SignalPurpose): Promise<string | undefined>;
  /** Records the signal unless one exists for this purpose; returns the one stored (the first wins). */
  putSignal(payoutId: string, signal: PayoutSignal): Promise<PayoutSignal>;
  getSignal(payoutId: string, purpose: SignalPurpose): Promise<PayoutSignal | undefined>;
}
