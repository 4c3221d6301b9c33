import { DomainError } from '../../domain/errors';
import { type ShardCounts, accountsToRead, planBalanceUpdates } from '../../domain/ledger/balances';
import { LedgerContentionError, PostingConflictError } from '../../domain/ledger/errors';
import { assertWritableHere } from '../../domain/ledger/home-region';
import { type Position, applyDelta } from '../../domain/ledger/positions';
import type { JournalTransaction } from '../../domain/ledger/transaction';
import { type LedgerStore, LedgerStoreContentionError } from '../../ports/ledger-store';

/**
 * The one way anything is posted to the ledger. Every posting use case names its transaction id and
 * position and supplies a template; this loop does the rest:
 * 1. Read, in one consistent snapshot, the transaction (if already posted), the position and the
 *    merchant's home-region marker. Already posted with the same event: return it (a replay changes
 *    nothing). Posted for a different event under this id: PostingConflictError.
 * 2. Refuse unless this region is the merchant's home.
 * 3. Build the transaction from the position (the template checks the business rules).
 * 4. Read the shards of non-negative accounts it decreases and plan which shards it changes.
 *    If either refuses, check once more whether the transaction was posted meanwhile (then it is a replay),
 *    and whether the position changed since step 1 (then the plan mixed two states: plan again).
 * 5. Commit everything in one DynamoDB transaction. If the id turned out to be taken meanwhile, it is a
 *    replay (step 1 again). If the position or a shard changed since it was read, plan again. If
 *    DynamoDB reports a transaction conflict or throttling, back off (exponential, full jitter) and
 *    plan again. Give up with LedgerContentionError after `maxAttempts`.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 12, baseDelayMs: 10, maxDelayMs: 1_000 };

export interface LedgerPostingDeps {
  readonly ledger: LedgerStore;
  /** The region this code runs in (AWS_REGION). */
  readonly region: string;
  /** Home of merchants with no marker. */
  readonly primaryRegion: string;
  readonly now: () => Date;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly retry?: RetryPolicy;
  /** Shard counts other than the declared ones (benchmarks). */
  readonly shardCounts?: ShardCounts;
}

export interface PostingResult {
  readonly transaction: JournalTransaction;
  /** True when the transaction already existed: nothing was written. */
  readonly replayed: boolean;
  /** Commit attempts made (1 when nothing contended). */
  readonly attempts: number;
}

export interface PostingRequest {
  readonly transactionId: string;
  readonly positionId: string;
  readonly merchantId: string;
  /** The event's fingerprint, to tell a retry from a different event with the same id. */
  readonly fingerprint: string;
  readonly build: (position: Position) => JournalTransaction;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^n)). */
export const backoffDelay = (policy: RetryPolicy, attempt: number, random: () => number): number =>
  Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));

const replay = (existing: JournalTransaction, request: PostingRequest, attempts: number): PostingResult => {
  if (existing.fingerprint !== request.fingerprint) throw new PostingConflictError(request.transactionId);
  return { transaction: existing, replayed: true, attempts };
};

export const postTransaction = async (deps: LedgerPostingDeps, request: PostingRequest): Promise<PostingResult> => {
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? defaultSleep;
  let lastProblem: unknown;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt += 1) {
    if (attempt > 1) await sleep(backoffDelay(policy, attempt - 1, random));
    let context;
    try {
      context = await deps.ledger.loadContext(request.transactionId, request.positionId, request.merchantId);
    } catch (error) {
      if (!(error instanceof LedgerStoreContentionError)) throw error;
      lastProblem = error;
      continue;
    }
    if (context.existing) return replay(context.existing, request, attempt);
    assertWritableHere(request.merchantId, context.home, deps.region, deps.primaryRegion);

    let transaction;
    let balanceUpdates;
    try {
      transaction = request.build(context.position);
      const shards = await deps.ledger.readShards(accountsToRead(transaction));
      balanceUpdates = planBalanceUpdates(transaction, shards, { random, shardCounts: deps.shardCounts });
    } catch (error) {
      if (error instanceof LedgerStoreContentionError) {
        lastProblem = error;
        continue;
      }
      if (error instanceof DomainError) {
        // A concurrent duplicate may have committed since the snapshot: its effect is what now makes this
        // posting look refused (funds already taken, refund already counted). Then it is a replay.
        const existing = await deps.ledger.getTransaction(request.transactionId);
        if (existing) return replay(existing, request, attempt);
        // Another posting on the same position may have committed between the snapshot and the shard read
        // (a settlement moving the payment's funds from pending to available just before its refund is
        // planned): the plan mixed two states. Plan again from a fresh snapshot; refuse only when the
        // position the refusal was planned from is still the current one.
        const current = await deps.ledger.getPosition(request.positionId);
        if ((current?.version ?? 0) !== context.position.version) {
          lastProblem = error;
          continue;
        }
      }
      throw error;
    }
    const outcome = await deps.ledger.commit({
      transaction,
      positionBefore: context.position,
      positionAfter: applyDelta(context.position, transaction.positionDelta, transaction.positionFields),
      balanceUpdates,
      region: deps.region,
    });
    switch (outcome.outcome) {
      case 'committed':
        return { transaction, replayed: false, attempts: attempt };
      case 'duplicate': {
        const existing = await deps.ledger.getTransaction(request.transactionId);
        if (!existing) throw new Error(`Transaction ${request.transactionId} reported as existing but not found`);
        return replay(existing, request, attempt);
      }
      case 'stale':
      case 'contention':
        lastProblem = outcome.detail;
        break;
    }
  }
  throw new LedgerContentionError(request.transactionId, policy.maxAttempts, { cause: lastProblem });
};
