import type { ListWindow } from '../domain/list-window';
import type { Beneficiary } from '../domain/payouts/beneficiary';
import type { Payout, PayoutWait } from '../domain/payouts/payout';

/**
 * Storage of beneficiaries and payouts (the `payouts` table, docs/data-model.md), plus what connects a
 * payout's durable waits to the outside world: the task token each wait registered (answered once the
 * payout moves on), and the rail's reference for the payout (how a rail's message finds it).
 */
export interface BeneficiaryPage {
  readonly beneficiaries: readonly Beneficiary[];
  readonly hasMore: boolean;
}

export interface PayoutPage {
  readonly payouts: readonly Payout[];
  readonly hasMore: boolean;
}

/** `created`: stored now; otherwise the payout already stored under its id. */
export interface InsertPayoutResult {
  readonly created: boolean;
  readonly payout: Payout;
}

export interface PayoutRepository {
  /** Stores a new beneficiary unless its id exists; either way returns what is stored. */
  insertBeneficiary(beneficiary: Beneficiary): Promise<{ readonly created: boolean; readonly beneficiary: Beneficiary }>;
  getBeneficiary(id: string, options?: { readonly consistent?: boolean }): Promise<Beneficiary | undefined>;
  /** One page of the merchant's beneficiaries, newest first; the window's cursors are beneficiaries of the same merchant. */
  listBeneficiaries(merchantId: string, window: ListWindow): Promise<BeneficiaryPage>;

  /** Stores a new payout unless its id exists (one conditional put; its quote is claimed before, in the `fx` table). */
  insertPayout(payout: Payout): Promise<InsertPayoutResult>;
  getPayout(id: string, options?: { readonly consistent?: boolean }): Promise<Payout | undefined>;
  listPayouts(merchantId: string, window: ListWindow): Promise<PayoutPage>;
  /** Every merchant's payouts waiting for an operator's review decision, oldest first; `after` continues a page. */
  listPayoutsInReview(page: { readonly limit: number; readonly after?: Payout }): Promise<PayoutPage>;
  /**
   * Writes `next` only over version `next.version − 1`; StaleVersionError otherwise. The payout carries the
   * recovery marker while it is in flight (`inFlightSince`), and loses it when it is not.
   */
  updatePayout(next: Payout): Promise<void>;

  /** Records which payout a rail reference belongs to (idempotent; the same reference for another payout is an error). */
  putRailReference(channel: string, railReference: string, payoutId: string): Promise<void>;
  payoutIdForRailReference(channel: string, railReference: string): Promise<string | undefined>;

  /**
   * Adds a payout to its merchant's total in the payout currency for one UTC day, once per payout (a
   * repeated call adds nothing), and answers the day's total: this payout and every payout counted before it
   * included (a payout counted concurrently may be included too; never one fewer).
   */
  countPayoutDay(entry: { readonly merchantId: string; readonly currency: string; readonly day: string; readonly payoutId: string; readonly amount: number }): Promise<number>;

  /** The task token a durable wait of the payout stored (a newer one replaces it). */
  putWaitingToken(payoutId: string, wait: PayoutWait, token: string, now: Date): Promise<void>;
  getWaitingToken(payoutId: string, wait: PayoutWait): Promise<string | undefined>;
}
