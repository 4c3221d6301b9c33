import { DomainError } from '../../domain/errors';
import { type BalanceReads, type CurrencyRead, DEFAULT_LEDGER_LAYOUT, type LedgerLayout, type ShardChange, planBalanceChanges } from '../../domain/ledger/balances';
import { LedgerContentionError, PostingConflictError } from '../../domain/ledger/errors';
import { assertWritableHere } from '../../domain/ledger/home-region';
import type { Position } from '../../domain/ledger/positions';
import type { JournalTransaction } from '../../domain/ledger/transaction';
import { type CompanionPut, CompanionRefusedError, type LedgerStore, LedgerStoreContentionError } from '../../ports/ledger-store';

/**
 * The one way anything is posted to the ledger. Every posting use case names its transaction id and
 * position and supplies a template; this loop does the rest:
 * 1. Read the position's transactions (strongly consistent) and the merchant's home-region marker. The
 *    transaction among them with the same event: return it (a replay changes nothing). Under this id for a
 *    different event: PostingConflictError.
 * 2. Refuse unless this region is the merchant's home.
 * 3. Build the transaction from the position (their fold; the template checks the business rules).
 * 4. Plan its merchant balance changes (domain/ledger/balances.ts): pinned funds need no read; available
 *    funds it takes are read first (the preferred shard, then every shard if that one is short).
 *    If the template or the plan refuses, check once more whether the transaction was posted meanwhile
 *    (then it is a replay), and whether the position changed since step 1 (then the plan mixed two
 *    states: plan again).
 * 5. Commit: the transaction as the position's next number, only if that number is still free, with its
 *    balance changes, in one DynamoDB transaction. If the number was taken (another posting of the
 *    position, or this one by a concurrent duplicate) or a shard changed since it was read, go back to
 *    step 1; on a transaction conflict or throttling, back off (exponential, full jitter) first. Give up
 *    with LedgerContentionError after `maxAttempts`. A request's `companion` (an item of another table that
 *    must exist exactly when the posting does, decision record 0062) is written in that same transaction; a
 *    replay writes no companion (the caller sees `replayed` and completes its own item). The companion refused
 *    by its own condition while the posting's held: CompanionRefusedError, nothing written.
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
  /** A balance layout other than the declared one (benchmarks); the store must be built with the same. */
  readonly layout?: Partial<LedgerLayout>;
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
  /** Written with the posting, in its transaction: both or neither (decision record 0062). */
  readonly companion?: CompanionPut;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^n)). */
export const backoffDelay = (policy: RetryPolicy, attempt: number, random: () => number): number =>
  Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));

const replay = (existing: JournalTransaction, request: PostingRequest, attempts: number): PostingResult => {
  if (existing.fingerprint !== request.fingerprint) throw new PostingConflictError(request.transactionId);
  return { transaction: existing, replayed: true, attempts };
};

/** Plan the balance changes, reading the shards the plan asks for (at most: the preferred ones, then all). */
const planChanges = async (deps: LedgerPostingDeps, transaction: JournalTransaction, position: Position, random: () => number): Promise<readonly ShardChange[]> => {
  const reads = new Map<string, CurrencyRead>();
  const shards = deps.layout?.balanceShards ?? DEFAULT_LEDGER_LAYOUT.balanceShards;
  for (;;) {
    const plan = planBalanceChanges(transaction, position, reads as BalanceReads, { shards, random });
    if (plan.kind === 'planned') return plan.changes;
    await Promise.all(
      plan.requests.map(async (request) => {
        const items = await deps.ledger.readBalances(transaction.merchantId, request.currency, request.shards);
        reads.set(request.currency, { items, complete: request.shards === 'all' || (reads.get(request.currency)?.complete ?? false) });
      }),
    );
  }
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
    let changes;
    try {
      transaction = request.build(context.position);
      changes = await planChanges(deps, transaction, context.position, random);
    } catch (error) {
      if (error instanceof LedgerStoreContentionError) {
        lastProblem = error;
        continue;
      }
      if (error instanceof DomainError) {
        // A concurrent duplicate may have committed since the read: its effect is what now makes this
        // posting look refused (funds already taken, refund already counted). Then it is a replay.
        const existing = await deps.ledger.getTransaction(request.transactionId);
        if (existing) return replay(existing, request, attempt);
        // Another posting on the same position may have committed between the read and the plan (a
        // settlement moving the payment's funds from pending to available just before its refund is
        // planned): the plan mixed two states. Plan again from a fresh read; refuse only when the
        // position the refusal was planned from is still the current one.
        const current = await deps.ledger.getPosition(request.positionId);
        if ((current?.version ?? 0) !== context.position.version) {
          lastProblem = error;
          continue;
        }
      }
      throw error;
    }
    const outcome = await deps.ledger.commit({ transaction, positionBefore: context.position, changes, region: deps.region, companion: request.companion });
    if (outcome.outcome === 'committed') return { transaction, replayed: false, attempts: attempt };
    if (outcome.outcome === 'companion_refused') throw new CompanionRefusedError(`${request.transactionId}: ${outcome.detail}`);
    lastProblem = outcome.detail;
  }
  throw new LedgerContentionError(request.transactionId, policy.maxAttempts, { cause: lastProblem });
};
