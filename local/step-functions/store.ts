import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/**
 * Durable state of the local engine: executions, their history events and their task tokens, in one
 * SQLite database (Node's built-in `node:sqlite`), a file under the runtime's state directory or in
 * memory. Not in DynamoDB Local: a payment's execution writes about twenty history events, more items
 * than the platform itself writes, and DynamoDB Local (a Java process on the same two cores) is the
 * local runtime's narrowest resource. SQLite in WAL mode appends an event in tens of microseconds, in
 * this process, and survives a SIGKILL: every write is committed before the call returns.
 *
 * Standard and Express executions are both kept (AWS keeps Express history only in CloudWatch Logs; here
 * the local API lists and describes them so that ops tooling can be rehearsed): `express` tells them apart.
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  /** The input exactly as given to StartExecution (a JSON text). */
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** Epoch milliseconds. */
  readonly startDate: number;
  readonly stopDate?: number;
  /** How many times the execution ran again: a RedriveExecution, or a re-run after the engine stopped. */
  readonly redriveCount: number;
  readonly redriveDate?: number;
  readonly express?: boolean;
}

export type TokenStatus = 'OUTSTANDING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'CLOSED' | 'INVALIDATED';

export interface TokenRecord {
  readonly executionArn: string;
  readonly tokenId: string;
  readonly stateName: string;
  /** The execution's redriveCount when the token was issued. */
  readonly run: number;
  readonly status: TokenStatus;
  readonly issuedAt: number;
  readonly closedAt?: number;
}

export interface StoredEvent {
  readonly id: number;
  /** The event in GetExecutionHistory shape, timestamp in epoch milliseconds. */
  readonly json: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextKey?: Record<string, unknown>;
}

type Row = Record<string, string | number | null>;

const toRecord = (row: Row): ExecutionRecord => ({
  executionArn: row.execution_arn as string,
  stateMachineArn: row.state_machine_arn as string,
  name: row.name as string,
  status: row.status as ExecutionStatus,
  input: row.input as string,
  output: (row.output as string | null) ?? undefined,
  error: (row.error as string | null) ?? undefined,
  cause: (row.cause as string | null) ?? undefined,
  startDate: row.start_date as number,
  stopDate: (row.stop_date as number | null) ?? undefined,
  redriveCount: row.redrive_count as number,
  redriveDate: (row.redrive_date as number | null) ?? undefined,
  express: row.express === 1,
});

const toTokenRecord = (row: Row): TokenRecord => ({
  executionArn: row.execution_arn as string,
  tokenId: row.token_id as string,
  stateName: row.state_name as string,
  run: row.run as number,
  status: row.status as TokenStatus,
  issuedAt: row.issued_at as number,
  closedAt: (row.closed_at as number | null) ?? undefined,
});

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS executions (
    execution_arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    start_date INTEGER NOT NULL,
    stop_date INTEGER,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_date INTEGER,
    express INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS executions_by_state_machine ON executions (state_machine_arn, start_date DESC, execution_arn DESC);
  CREATE INDEX IF NOT EXISTS executions_by_name ON executions (state_machine_arn, name);
  CREATE TABLE IF NOT EXISTS events (
    execution_arn TEXT NOT NULL,
    id INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS tokens (
    execution_arn TEXT NOT NULL,
    token_id TEXT NOT NULL,
    state_name TEXT NOT NULL,
    run INTEGER NOT NULL,
    status TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    closed_at INTEGER,
    PRIMARY KEY (execution_arn, token_id)
  ) WITHOUT ROWID;
`;

/** `:memory:` keeps nothing after the process ends (the runtime's `--in-memory`). */
export const IN_MEMORY = ':memory:';

export class ExecutionStore {
  private readonly db: DatabaseSync;
  private readonly statements: Record<string, StatementSync>;

  constructor(readonly location: string) {
    if (location !== IN_MEMORY) mkdirSync(dirname(location), { recursive: true });
    this.db = new DatabaseSync(location);
    // WAL: readers never block the writer; NORMAL: a commit survives a crash of this process (not of the machine).
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.db.exec(SCHEMA);
    const prepare = (sql: string) => this.db.prepare(sql);
    this.statements = {
      insert: prepare(
        `INSERT INTO executions (execution_arn, state_machine_arn, name, status, input, start_date, redrive_count, express)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (execution_arn) DO NOTHING`,
      ),
      get: prepare('SELECT * FROM executions WHERE execution_arn = ?'),
      close: prepare(
        `UPDATE executions SET status = ?, stop_date = ?, output = ?, error = ?, cause = ?
         WHERE execution_arn = ? AND status = 'RUNNING' AND redrive_count = ?`,
      ),
      redrive: prepare(
        `UPDATE executions SET status = 'RUNNING', redrive_count = ?, redrive_date = ?, stop_date = NULL, output = NULL, error = NULL, cause = NULL
         WHERE execution_arn = ? AND status IN (SELECT value FROM json_each(?)) AND redrive_count = ?`,
      ),
      putEvent: prepare('INSERT OR REPLACE INTO events (execution_arn, id, event) VALUES (?, ?, ?)'),
      lastEventId: prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events WHERE execution_arn = ?'),
      eventsForward: prepare('SELECT id, event FROM events WHERE execution_arn = ? AND id > ? ORDER BY id ASC LIMIT ?'),
      eventsBackward: prepare('SELECT id, event FROM events WHERE execution_arn = ? AND id < ? ORDER BY id DESC LIMIT ?'),
      putToken: prepare(
        `INSERT OR REPLACE INTO tokens (execution_arn, token_id, state_name, run, status, issued_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      getToken: prepare('SELECT * FROM tokens WHERE execution_arn = ? AND token_id = ?'),
      outstandingTokens: prepare(`SELECT * FROM tokens WHERE execution_arn = ? AND status = 'OUTSTANDING'`),
    };
  }

  /** Create the execution unless one with its ARN exists; then return the existing one instead. */
  async create(record: ExecutionRecord): Promise<{ created: true } | { created: false; existing: ExecutionRecord }> {
    const result = this.statements.insert!.run(
      record.executionArn,
      record.stateMachineArn,
      record.name,
      record.status,
      record.input,
      record.startDate,
      record.redriveCount,
      record.express ? 1 : 0,
    );
    if (result.changes === 1) return { created: true };
    const existing = await this.get(record.executionArn);
    if (!existing) throw new Error(`Execution ${record.executionArn} neither created nor found`);
    return { created: false, existing };
  }

  async get(executionArn: string): Promise<ExecutionRecord | undefined> {
    const row = this.statements.get!.get(executionArn) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Close a RUNNING execution, only if this run still owns it (a stale run closes nothing). */
  async close(
    executionArn: string,
    run: number,
    outcome: { status: Exclude<ExecutionStatus, 'RUNNING'>; stopDate: number; output?: string; error?: string; cause?: string },
  ): Promise<boolean> {
    const result = this.statements.close!.run(
      outcome.status,
      outcome.stopDate,
      outcome.output ?? null,
      outcome.error ?? null,
      outcome.cause ?? null,
      executionArn,
      run,
    );
    return result.changes === 1;
  }

  /**
   * Claim an execution for another run: redriveCount `fromRun` -> `fromRun + 1`, status RUNNING again.
   * `from` names the statuses it may be in: RUNNING (left by an engine that stopped) or the closed ones
   * RedriveExecution accepts.
   */
  async redrive(executionArn: string, fromRun: number, at: number, from: readonly ExecutionStatus[] = ['RUNNING']): Promise<boolean> {
    const result = this.statements.redrive!.run(fromRun + 1, at, executionArn, JSON.stringify(from), fromRun);
    return result.changes === 1;
  }

  /** Executions of a state machine, newest first, optionally only one status or one name. */
  async list(
    stateMachineArn: string,
    options: { status?: ExecutionStatus; name?: string; limit: number; startKey?: Record<string, unknown> },
  ): Promise<Page<ExecutionRecord>> {
    const conditions = ['state_machine_arn = ?'];
    const parameters: (string | number)[] = [stateMachineArn];
    if (options.status) {
      conditions.push('status = ?');
      parameters.push(options.status);
    }
    if (options.name) {
      conditions.push('name = ?');
      parameters.push(options.name);
    }
    const after = options.startKey;
    if (after && typeof after.start_date === 'number' && typeof after.execution_arn === 'string') {
      conditions.push('(start_date, execution_arn) < (?, ?)');
      parameters.push(after.start_date, after.execution_arn);
    }
    const rows = this.db
      .prepare(`SELECT * FROM executions WHERE ${conditions.join(' AND ')} ORDER BY start_date DESC, execution_arn DESC LIMIT ?`)
      .all(...parameters, options.limit + 1) as Row[];
    const items = rows.slice(0, options.limit).map(toRecord);
    const last = items.at(-1);
    return rows.length > options.limit && last ? { items, nextKey: { start_date: last.startDate, execution_arn: last.executionArn } } : { items };
  }

  async listAllRunning(stateMachineArn: string): Promise<ExecutionRecord[]> {
    return (this.db.prepare(`SELECT * FROM executions WHERE state_machine_arn = ? AND status = 'RUNNING' ORDER BY start_date`).all(stateMachineArn) as Row[]).map(
      toRecord,
    );
  }

  // Async, so that a write after shutdown (an abandoned execution's interpreter still emitting an event) is a
  // rejected promise its caller's catch handles, not a synchronous throw out of an event loop callback.
  async putEvent(executionArn: string, event: StoredEvent): Promise<void> {
    this.statements.putEvent!.run(executionArn, event.id, event.json);
  }

  async lastEventId(executionArn: string): Promise<number> {
    return (this.statements.lastEventId!.get(executionArn) as { id: number }).id;
  }

  /** Events after `afterId` (forward) or before it (reverse), at most `limit`, and whether more exist. */
  async events(executionArn: string, options: { reverse: boolean; limit: number; afterId?: number }): Promise<{ events: StoredEvent[]; more: boolean }> {
    const rows = options.reverse
      ? (this.statements.eventsBackward!.all(executionArn, options.afterId ?? Number.MAX_SAFE_INTEGER, options.limit + 1) as Row[])
      : (this.statements.eventsForward!.all(executionArn, options.afterId ?? 0, options.limit + 1) as Row[]);
    return {
      events: rows.slice(0, options.limit).map((row) => ({ id: row.id as number, json: row.event as string })),
      more: rows.length > options.limit,
    };
  }

  async putToken(token: TokenRecord): Promise<void> {
    this.statements.putToken!.run(token.executionArn, token.tokenId, token.stateName, token.run, token.status, token.issuedAt, token.closedAt ?? null);
  }

  async getToken(executionArn: string, tokenId: string): Promise<TokenRecord | undefined> {
    const row = this.statements.getToken!.get(executionArn, tokenId) as Row | undefined;
    return row ? toTokenRecord(row) : undefined;
  }

  async outstandingTokens(executionArn: string): Promise<TokenRecord[]> {
    return (this.statements.outstandingTokens!.all(executionArn) as Row[]).map(toTokenRecord);
  }

  /** Every write is committed when its call returns; kept for callers that wait for the store to settle. */
  /**
   * Forget closed executions that stopped before `stoppedBeforeMs`, with their history and tokens: what Step
   * Functions does 90 days after a Standard execution closes, after which its name may be used again. The
   * late_retry drill (bench/drills/late-retry.ts) calls it to stand 91 days later; nothing else does.
   * Returns how many executions were forgotten.
   */
  async forgetClosedBefore(stoppedBeforeMs: number): Promise<number> {
    const closed = `SELECT execution_arn FROM executions WHERE status <> 'RUNNING' AND stop_date < ?`;
    this.db.exec('BEGIN');
    try {
      this.db.prepare(`DELETE FROM events WHERE execution_arn IN (${closed})`).run(stoppedBeforeMs);
      this.db.prepare(`DELETE FROM tokens WHERE execution_arn IN (${closed})`).run(stoppedBeforeMs);
      const { changes } = this.db.prepare(`DELETE FROM executions WHERE status <> 'RUNNING' AND stop_date < ?`).run(stoppedBeforeMs);
      this.db.exec('COMMIT');
      return Number(changes);
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): void {
    if (this.db.isOpen) this.db.close();
  }
}
