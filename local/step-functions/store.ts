import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BatchWriter } from './batch-writer';

/**
 * Durable state of the local engine in the local-only `stepFunctionsExecutions` table
 * (platform/tables.ts). One partition per execution:
 *   EXECUTION           the execution (status, input, output, error, dates, redrive count)
 *   EVENT#0000000042    history event 42, in GetExecutionHistory shape (JSON)
 *   TOKEN#<id>          a task token issued by the execution and what became of it
 * The EXECUTION item carries the keys of the `executions-by-state-machine` index (state machine ARN,
 * start time), which ListExecutions and resume query, newest first.
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
  /** How many times the engine re-ran the execution after a restart found it RUNNING. */
  readonly redriveCount: number;
  readonly redriveDate?: number;
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

const EXECUTION = 'EXECUTION';
const partition = (executionArn: string) => `EXECUTION#${executionArn}`;
const eventSortKey = (id: number) => `EVENT#${String(id).padStart(10, '0')}`;
const INDEX = 'executions-by-state-machine';

const toRecord = (item: Record<string, unknown>): ExecutionRecord => ({
  executionArn: item.execution_arn as string,
  stateMachineArn: item.state_machine_arn as string,
  name: item.name as string,
  status: item.status as ExecutionStatus,
  input: item.input as string,
  output: item.output as string | undefined,
  error: item.error as string | undefined,
  cause: item.cause as string | undefined,
  startDate: item.start_date as number,
  stopDate: item.stop_date as number | undefined,
  redriveCount: (item.redrive_count as number | undefined) ?? 0,
  redriveDate: item.redrive_date as number | undefined,
});

const toTokenRecord = (item: Record<string, unknown>): TokenRecord => ({
  executionArn: item.execution_arn as string,
  tokenId: item.token_id as string,
  stateName: item.state_name as string,
  run: item.run as number,
  status: item.status as TokenStatus,
  issuedAt: item.issued_at as number,
  closedAt: item.closed_at as number | undefined,
});

export class ExecutionStore {
  private readonly writer: BatchWriter;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.writer = new BatchWriter(client, tableName, (item) => `${item.pk as string}\u0000${item.sk as string}`);
  }

  /** Create the execution unless one with its ARN exists; then return the existing one instead. */
  async create(record: ExecutionRecord): Promise<{ created: true } | { created: false; existing: ExecutionRecord }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: partition(record.executionArn),
            sk: EXECUTION,
            execution_arn: record.executionArn,
            state_machine_arn: record.stateMachineArn,
            start_key: `${new Date(record.startDate).toISOString()}#${record.executionArn}`,
            name: record.name,
            status: record.status,
            input: record.input,
            start_date: record.startDate,
            redrive_count: record.redriveCount,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(record.executionArn);
      if (!existing) throw error;
      return { created: false, existing };
    }
  }

  async get(executionArn: string): Promise<ExecutionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: partition(executionArn), sk: EXECUTION }, ConsistentRead: true }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  /** Close a RUNNING execution, only if this run still owns it (a stale run closes nothing). */
  async close(
    executionArn: string,
    run: number,
    outcome: { status: Exclude<ExecutionStatus, 'RUNNING'>; stopDate: number; output?: string; error?: string; cause?: string },
  ): Promise<boolean> {
    const fields: Record<string, unknown> = {
      status: outcome.status,
      stop_date: outcome.stopDate,
      output: outcome.output,
      error: outcome.error,
      cause: outcome.cause,
    };
    const set = Object.entries(fields).filter(([, value]) => value !== undefined);
    // Every attribute by placeholder: `status`, `output` and `error` are DynamoDB reserved words.
    const names = Object.fromEntries([...set.map(([name]) => [`#${name}`, name]), ['#redrive', 'redrive_count']]);
    const values = Object.fromEntries([...set.map(([name, value]) => [`:${name}`, value]), [':running', 'RUNNING'], [':run', run]]);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(executionArn), sk: EXECUTION },
          UpdateExpression: `SET ${set.map(([name]) => `#${name} = :${name}`).join(', ')}`,
          ConditionExpression: '#status = :running AND #redrive = :run',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Claim a RUNNING execution for a re-run: redriveCount `fromRun` -> `fromRun + 1`. */
  async redrive(executionArn: string, fromRun: number, at: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(executionArn), sk: EXECUTION },
          UpdateExpression: 'SET redrive_count = :next, redrive_date = :at',
          ConditionExpression: '#status = :running AND redrive_count = :run',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':next': fromRun + 1, ':at': at, ':running': 'RUNNING', ':run': fromRun },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Executions of a state machine, newest first, optionally only one status. */
  async list(
    stateMachineArn: string,
    options: { status?: ExecutionStatus; limit: number; startKey?: Record<string, unknown> },
  ): Promise<Page<ExecutionRecord>> {
    const items: ExecutionRecord[] = [];
    let startKey = options.startKey;
    let lastKey: Record<string, unknown> | undefined;
    // Read one past the page to know whether another page exists (a status filter can thin pages out).
    while (items.length <= options.limit) {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEX,
          KeyConditionExpression: 'state_machine_arn = :arn',
          FilterExpression: options.status ? '#status = :status' : undefined,
          ExpressionAttributeNames: options.status ? { '#status': 'status' } : undefined,
          ExpressionAttributeValues: { ':arn': stateMachineArn, ...(options.status ? { ':status': options.status } : {}) },
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: Math.max(options.limit + 1 - items.length, 25),
        }),
      );
      for (const item of response.Items ?? []) {
        if (items.length === options.limit) {
          return { items, nextKey: lastKey };
        }
        items.push(toRecord(item));
        lastKey = { pk: item.pk, sk: item.sk, state_machine_arn: item.state_machine_arn, start_key: item.start_key };
      }
      if (!response.LastEvaluatedKey) break;
      startKey = response.LastEvaluatedKey;
    }
    return { items };
  }

  async listAllRunning(stateMachineArn: string): Promise<ExecutionRecord[]> {
    const running: ExecutionRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.list(stateMachineArn, { status: 'RUNNING', limit: 100, startKey });
      running.push(...page.items);
      startKey = page.nextKey;
    } while (startKey);
    return running;
  }

  putEvent(executionArn: string, event: StoredEvent): Promise<void> {
    return this.writer.put({ pk: partition(executionArn), sk: eventSortKey(event.id), event: event.json });
  }

  async lastEventId(executionArn: string): Promise<number> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': partition(executionArn), ':events': 'EVENT#' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const last = Items?.[0];
    return last ? Number(String(last.sk).slice('EVENT#'.length)) : 0;
  }

  async events(
    executionArn: string,
    options: { reverse: boolean; limit: number; afterId?: number },
  ): Promise<{ events: StoredEvent[]; more: boolean }> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': partition(executionArn), ':events': 'EVENT#' },
        ScanIndexForward: !options.reverse,
        ExclusiveStartKey: options.afterId === undefined ? undefined : { pk: partition(executionArn), sk: eventSortKey(options.afterId) },
        Limit: options.limit,
        ConsistentRead: true,
      }),
    );
    const events = (Items ?? []).map((item) => ({ id: Number(String(item.sk).slice('EVENT#'.length)), json: item.event as string }));
    return { events, more: LastEvaluatedKey !== undefined };
  }

  putToken(token: TokenRecord): Promise<void> {
    return this.writer.put({
      pk: partition(token.executionArn),
      sk: `TOKEN#${token.tokenId}`,
      execution_arn: token.executionArn,
      token_id: token.tokenId,
      state_name: token.stateName,
      run: token.run,
      status: token.status,
      issued_at: token.issuedAt,
      closed_at: token.closedAt,
    });
  }

  async getToken(executionArn: string, tokenId: string): Promise<TokenRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: partition(executionArn), sk: `TOKEN#${tokenId}` }, ConsistentRead: true }),
    );
    return Item ? toTokenRecord(Item) : undefined;
  }

  async outstandingTokens(executionArn: string): Promise<TokenRecord[]> {
    const tokens: TokenRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tokens)',
          FilterExpression: '#status = :outstanding',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': partition(executionArn), ':tokens': 'TOKEN#', ':outstanding': 'OUTSTANDING' },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      tokens.push(...(response.Items ?? []).map(toTokenRecord));
      startKey = response.LastEvaluatedKey;
    } while (startKey);
    return tokens;
  }

  /** Everything put through the batch writer so far is written. */
  drained(): Promise<void> {
    return this.writer.drained();
  }
}
