import type { AuditActor } from '../audit';
import { DomainError } from '../errors';

/**
 * A planned move of a merchant's home region (docs/decisions/0024-home-region-routing-and-moves.md), one visible
 * step each in the home-region-move workflow: begin (the API refuses new money movements), drain (no payment,
 * refund or payout of the merchant in flight), fence the ledger (no posting anywhere), wait for the fence to be
 * seen in the other region, switch (the new home, unfenced). Every marker change is a compare-and-set on the
 * epoch the step before wrote, so a move that lost to another change stops instead of overwriting it.
 */
export interface HomeRegionMove {
  readonly merchantId: string;
  readonly fromRegion: string;
  readonly targetRegion: string;
  /** The marker's epoch as this move last wrote it. */
  readonly epoch: number;
  /**
   * A forced move: the old home is lost, the move runs in the surviving region towards itself, drains nothing and
   * reads no replica (decision 0036). Always set by BeginMove (the workflow passes it on by JSONPath).
   */
  readonly forced?: boolean;
}

/** The marker changed under the move (another operator, another move): the move stops and touches nothing more. */
export class HomeRegionMoveConflictError extends DomainError {
  override readonly name = 'HomeRegionMoveConflict';

  constructor(readonly merchantId: string, detail: string) {
    super(`The home-region move of ${merchantId} stopped: ${detail}`);
  }
}

/** The move cannot begin: the target is not a region of the deployment, or already the merchant's home. */
export class HomeRegionMoveRefusedError extends DomainError {
  override readonly name = 'HomeRegionMoveRefused';

  constructor(readonly merchantId: string, detail: string) {
    super(detail);
  }
}

/** The other region does not show the fence yet (replication lag): the workflow waits and asks again. */
export class MarkerNotReplicatedError extends DomainError {
  override readonly name = 'MarkerNotReplicated';

  constructor(readonly merchantId: string, readonly region: string, readonly epoch: number, readonly seen: number | undefined) {
    super(`The home marker of ${merchantId} in ${region} is at epoch ${seen ?? 'none'}, not yet ${epoch}`);
  }
}

/** Flights of the merchant were still running when the drain's time was up: the move is called off. */
export class DrainTimedOutError extends DomainError {
  override readonly name = 'DrainTimedOut';

  constructor(readonly merchantId: string, readonly inFlight: number, readonly examples: readonly string[]) {
    super(`${inFlight} payment(s), refund(s) or payout(s) of ${merchantId} still in flight when the drain's time was up: ${examples.join(', ')}`);
  }
}

/** A balance item changed between the repair's read and its write (decision 0039): the workflow runs the step again. */
export class BalanceRepairConflictError extends DomainError {
  override readonly name = 'BalanceRepairConflict';
}

/**
 * The forced move's balance repair found the merchant's journal incomplete (decision 0039, amended 2026-12-07): a
 * position's transactions are not numbered 1..n, or a correction would set a balance below zero. Those items are
 * left as stored; the workflow retries the step for a few minutes (replication may still deliver the missing
 * journal item), then calls the move off for an operator to decide (docs/runbooks.md).
 */
export class JournalIncompleteError extends DomainError {
  override readonly name = 'JournalIncomplete';

  constructor(readonly merchantId: string, readonly withheld: readonly { readonly currency: string; readonly shard: number; readonly reason: string }[]) {
    super(`The journal of ${merchantId} is incomplete; balance item(s) left as stored: ${withheld.map((item) => `${item.currency}#${item.shard} (${item.reason})`).join('; ')}`);
  }
}

/** Who asked for the move (the operator API's caller) and in which request: the repair's audit entry names them. */
export interface MoveRequester {
  readonly actor: AuditActor;
  readonly requestId: string;
}
