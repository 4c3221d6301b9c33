import type { PayoutChannel, PayoutRail as RailScheme } from '../domain/payouts/beneficiary';
import type { RailReason } from '../domain/payouts/saga-errors';
import type { RevealedBankAccount } from './bank-account-vault';

/**
 * A payout rail (a bank channel): where payouts are sent, and what comes back. Each adapter speaks its
 * rail's own interface (batch files, SOAP, an instant-payment API; docs/simulators.md) and honours
 * idempotency: submitting the same payout again never pays twice. Outcomes arrive later, asynchronously,
 * as RailEvents parsed from the rail's messages (a file in the inbox, a SOAP notification, a webhook).
 *
 * Errors (domain/payouts/saga-errors.ts) tell what is known about the payment:
 *   RailUnavailable     the request never reached the rail (the connection never opened): nothing sent
 *   RailTimeout         sent, no answer in time: the payment may exist
 *   RailOutcomeUnknown  sent, answered without saying (5xx, 429, a Server fault, key in use, key reused):
 *                       the payment may exist
 *   RailRejected        refused, definitely: nothing exists under the payout's key
 * Only a RailRejected (or a lookup, or the rail's own message, saying failed) may release a payout's funds.
 */
export interface PayoutInstruction {
  readonly payoutId: string;
  readonly merchantId: string;
  readonly scheme: RailScheme;
  readonly amount: number;
  readonly currency: string;
  /** The merchant's reference (at most 35 characters), shown to the beneficiary. */
  readonly reference: string;
  readonly beneficiary: { readonly name: string; readonly country: string; readonly entityType: 'individual' | 'company' };
  /** The full account, revealed from the vault only for this call. Never logged. */
  readonly account: RevealedBankAccount;
  readonly accountType?: 'checking' | 'savings';
  readonly pixKeyType?: string;
  readonly createdAt: string;
}

export interface RailSubmission {
  readonly railReference: string;
  /** The rail's own id for the payment when it assigns one (a bank reference), else the railReference. */
  readonly bankReference: string;
}

/**
 * What the rail holds under a payout's key (`lookup`), as definite as the rail can say:
 *   not_found   nothing: the payment never reached it (sending again under the same key is safe)
 *   unknown     the rail cannot tell (Meridian, a file rail: a file no longer in its outbox was taken or
 *               lost; the bank's status files say which). Sending again is safe: every rail is idempotent
 *   received    it took the payment and has not settled it: wait for its confirmation
 *   paid        settled to the beneficiary's bank
 *   failed      refused or rejected before payment, with the rail's reason
 *   returned    paid, then sent back, with the reason
 */
export type RailPaymentState =
  | { readonly status: 'not_found' | 'unknown' | 'received' | 'paid' }
  | { readonly status: 'failed' | 'returned'; readonly reason: RailReason };

export interface PayoutRailPort {
  readonly channel: PayoutChannel;
  /**
   * The reference this rail will use for the payout in every message about it, derived from the payout
   * alone, so the platform records it before submitting (a confirmation may arrive before `submit` returns).
   */
  railReference(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme' | 'createdAt'>): string;
  submit(instruction: PayoutInstruction): Promise<RailSubmission>;
  /**
   * Where the payment sent under this payout's key stands at the rail (an inquiry: GET by end-to-end id,
   * SOAP GetPaymentStatus, the outbox). Throws RailUnavailable / RailTimeout / RailOutcomeUnknown when the
   * rail does not answer definitely: the caller then knows nothing more.
   */
  lookup(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme' | 'createdAt'>): Promise<RailPaymentState>;
}

/** What a rail says about a payment after submission. */
export interface RailEvent {
  readonly channel: PayoutChannel;
  readonly railReference: string;
  /** `paid`: the beneficiary's bank has the money; `failed`: rejected before payment; `returned`: sent back after payment. */
  readonly type: 'paid' | 'failed' | 'returned';
  readonly reason: RailReason | null;
  readonly occurredAt: string;
}

/** A message from a rail as it arrived: a file from its inbox, or an HTTP request it sent us. */
export type RailMessage =
  /** A file from a rail's drop, and the detached signature the rail wrote beside it (base64), if any. */
  | { readonly kind: 'file'; readonly name: string; readonly content: string; readonly signature?: string }
  | { readonly kind: 'http'; readonly headers: Readonly<Record<string, string>>; readonly body: string };

export interface RailMessageParser {
  readonly channel: PayoutChannel;
  /** The events in the message; throws RailMessageRejectedError for a message that is not authentic or not readable. */
  parse(message: RailMessage, now: Date): RailEvent[];
  /** What to answer the rail once the message's events are applied (HTTP rails retry until they get it). */
  acknowledgement(message: RailMessage): { readonly contentType: string; readonly body: string };
}

/** A rail message refused: bad signature, stale timestamp, unreadable format. */
export class RailMessageRejectedError extends Error {
  override readonly name = 'RailMessageRejectedError';

  /** `unauthenticated`: its signature is missing, stale or does not verify (nothing in it was read). */
  readonly reason: 'unauthenticated' | 'unreadable';

  constructor(message: string, options: { readonly reason?: 'unauthenticated' | 'unreadable'; readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason ?? 'unreadable';
  }
}
