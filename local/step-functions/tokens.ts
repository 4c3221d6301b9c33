import { randomUUID } from 'node:crypto';
import { StepFunctionsError } from './errors';
import type { ExecutionStore, TokenStatus } from './store';

/**
 * Task tokens of `.waitForTaskToken` tasks (the interpreter has none): one promise per token, kept
 * in memory and settled by SendTaskSuccess/SendTaskFailure; each token is also recorded in the
 * execution's partition with what became of it.
 *
 * A token names its execution, the run that issued it and a random id. Only the engine process
 * that issued a token can complete it: after a restart the execution runs again and issues new
 * tokens, and the old ones answer TaskDoesNotExist. A token whose task already closed (succeeded,
 * failed, timed out) answers TaskTimedOut, as AWS does.
 */
export class TaskFailure extends Error {
  /** `error` is what ASL Retry/Catch match; `cause` what a Catch hands on. */
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** A failure no Retry or Catch may handle, like States.Runtime and States.DataLimitExceeded in AWS. */
export class TerminalTaskFailure extends TaskFailure {
  readonly isRetryable = false;
  readonly isCatchable = false;
}

export const MAX_PAYLOAD_BYTES = 256 * 1024;

export interface IssuedToken {
  readonly token: string;
  readonly id: string;
  readonly executionArn: string;
  readonly run: number;
  readonly stateName: string;
  readonly issuedAt: number;
  /** Settles with SendTaskSuccess's output, or rejects with SendTaskFailure's error or a heartbeat timeout. */
  readonly result: Promise<unknown>;
}

interface Waiter {
  readonly executionArn: string;
  settled: boolean;
  resolve(output: unknown): void;
  reject(error: Error): void;
  heartbeatMs?: number;
  heartbeatTimer?: NodeJS.Timeout;
}

interface TokenClaims {
  readonly executionArn: string;
  readonly run: number;
  readonly id: string;
}

const encode = (claims: TokenClaims): string =>
  Buffer.from(JSON.stringify({ a: claims.executionArn, r: claims.run, i: claims.id })).toString('base64url');

const decode = (token: unknown): TokenClaims => {
  const invalid = new StepFunctionsError('InvalidToken', "Invalid Token: 'Invalid token'");
  if (typeof token !== 'string' || token.length < 1 || token.length > 2048) throw invalid;
  try {
    const claims = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown; r?: unknown; i?: unknown };
    if (typeof claims.a !== 'string' || typeof claims.r !== 'number' || typeof claims.i !== 'string') throw invalid;
    return { executionArn: claims.a, run: claims.r, id: claims.i };
  } catch {
    throw invalid;
  }
};

export class TaskTokens {
  private readonly waiters = new Map<string, Waiter>();
  /** Tokens closed whose record may not be written yet (so their answer does not depend on timing). */
  private readonly closing = new Set<string>();

  constructor(
    private readonly store: ExecutionStore,
    private readonly onError: (error: unknown) => void,
  ) {}

  private abandoned = false;

  get outstanding(): number {
    return this.waiters.size;
  }

  /**
   * The engine is stopping: tokens still open stay OUTSTANDING in the table, exactly as if the
   * process had died, so that the next engine's resume invalidates them.
   */
  abandon(): void {
    this.abandoned = true;
  }

  /**
   * A new token, registered before the task's function is invoked (the function may complete the
   * token before its invocation returns). The heartbeat clock starts now.
   */
  issue(executionArn: string, run: number, stateName: string, heartbeatMs?: number): IssuedToken {
    const id = randomUUID();
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const result = new Promise<unknown>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    result.catch(() => undefined); // the attempt may end (invoke failed, timed out) without awaiting it
    const waiter: Waiter = { executionArn, settled: false, resolve, reject, heartbeatMs };
    this.waiters.set(id, waiter);
    this.armHeartbeat(waiter);
    const issued: IssuedToken = { token: encode({ executionArn, run, id }), id, executionArn, run, stateName, issuedAt: Date.now(), result };
    void this.persist(issued, 'OUTSTANDING');
    return issued;
  }

  /** The attempt ended: forget the token and record how. */
  close(issued: IssuedToken, status: Exclude<TokenStatus, 'OUTSTANDING'>): void {
    const waiter = this.waiters.get(issued.id);
    if (waiter) {
      clearTimeout(waiter.heartbeatTimer);
      this.waiters.delete(issued.id);
      if (!waiter.settled) {
        // Nobody may complete it any more; whoever still awaits it (a timed-out attempt) lets go.
        waiter.settled = true;
        waiter.reject(new TaskFailure('States.TaskClosed', 'The task closed before its token was used'));
      }
    }
    if (this.abandoned) return;
    this.closing.add(issued.id);
    void this.persist(issued, status).finally(() => this.closing.delete(issued.id));
  }

  async succeed(token: unknown, output: unknown): Promise<void> {
    const claims = decode(token);
    const parsed = parseOutput(output);
    this.settle(claims, await this.waiterFor(claims), (waiter) => waiter.resolve(parsed));
  }

  async fail(token: unknown, error: string | undefined, cause: string | undefined): Promise<void> {
    const claims = decode(token);
    this.settle(claims, await this.waiterFor(claims), (waiter) => waiter.reject(new TaskFailure(error ?? '', cause ?? '')));
  }

  async heartbeat(token: unknown): Promise<void> {
    const claims = decode(token);
    this.armHeartbeat(await this.waiterFor(claims));
  }

  private settle(claims: TokenClaims, waiter: Waiter, settle: (waiter: Waiter) => void): void {
    if (waiter.settled) throw taskClosed();
    waiter.settled = true;
    clearTimeout(waiter.heartbeatTimer);
    settle(waiter);
  }

  private async waiterFor(claims: TokenClaims): Promise<Waiter> {
    const waiter = this.waiters.get(claims.id);
    if (waiter && waiter.executionArn === claims.executionArn) return waiter;
    if (this.closing.has(claims.id)) throw taskClosed();
    const record = await this.store.getToken(claims.executionArn, claims.id);
    if (!record || record.status === 'OUTSTANDING' || record.status === 'INVALIDATED') {
      // Unknown, or issued by an engine that has since stopped: its execution runs again with new tokens.
      throw new StepFunctionsError('TaskDoesNotExist', `Task Does Not Exist: 'Provided task does not exist'`);
    }
    throw taskClosed();
  }

  private armHeartbeat(waiter: Waiter): void {
    if (waiter.heartbeatMs === undefined || waiter.settled) return;
    clearTimeout(waiter.heartbeatTimer);
    waiter.heartbeatTimer = setTimeout(() => {
      if (waiter.settled) return;
      waiter.settled = true;
      waiter.reject(new TaskFailure('States.HeartbeatTimeout', ''));
    }, waiter.heartbeatMs);
  }

  private persist(token: IssuedToken, status: TokenStatus): Promise<void> {
    return this.store
      .putToken({
        executionArn: token.executionArn,
        tokenId: token.id,
        stateName: token.stateName,
        run: token.run,
        status,
        issuedAt: token.issuedAt,
        closedAt: status === 'OUTSTANDING' ? undefined : Date.now(),
      })
      .catch(this.onError);
  }
}

const taskClosed = () =>
  new StepFunctionsError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");

const parseOutput = (output: unknown): unknown => {
  if (typeof output !== 'string') throw new StepFunctionsError('InvalidOutput', 'Invalid Output: output must be a JSON string');
  if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
    throw new StepFunctionsError('InvalidOutput', `Invalid Output: output exceeds ${MAX_PAYLOAD_BYTES} bytes`);
  }
  try {
    return JSON.parse(output);
  } catch {
    throw new StepFunctionsError('InvalidOutput', "Invalid Output: 'Output is not valid JSON'");
  }
};
