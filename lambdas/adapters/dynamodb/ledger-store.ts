import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type BalanceShard, DEFAULT_LEDGER_LAYOUT, type FieldAmounts, type LedgerLayout, MERCHANT_FIELDS, checkLayout } from '../../domain/ledger/balances';
import { PostingRejectedError } from '../../domain/ledger/errors';
import type { ListWindow } from '../../domain/list-window';
import { queryCreatedOrder } from './created-order';
import type { HomeRegionMarker } from '../../domain/ledger/home-region';
import { type PostedTransaction, foldPosition, positionLines } from '../../domain/ledger/journal';
import type { Position } from '../../domain/ledger/positions';
import { type JournalTransaction, type StatementLine, routeOfId, routeOfPosition } from '../../domain/ledger/transaction';
import {
  type CommitOutcome,
  type LedgerRepairStore,
  type LedgerStore,
  LedgerStoreContentionError,
  type LinePage,
  type PostingContext,
  type PreparedPosting,
} from '../../ports/ledger-store';
import {
  STATEMENT_INDEX,
  balanceKey,
  balancePartition,
  decodeBalance,
  decodeJournal,
  HOME_COPIES,
  JOURNAL_PREFIX,
  homeKey,
  journalPartition,
  journalPartitionOfId,
  parseJournalSortKey,
  transactionItems,
} from './ledger-codec';

/**
 * The ledger in its own DynamoDB table (`ledger`; the layout is in ledger-codec.ts and docs/ledger.md).
 * One posting is one conditional write of its journal item as number version + 1 of its position,
 * together (TransactWriteItems) with its extra statement lines and the merchant balance shards it changes
 * (guarded by "field ≥ amount taken" where it decreases one): usually two items. A posting that changes no
 * merchant balance is one conditional PutItem. A posting may carry one companion item of another table
 * (`PreparedPosting.companion`, decision record 0062), written last in the same transaction on its own condition.
 */
export const MAX_TRANSACTION_ITEMS = 100;

type Item = Record<string, unknown>;

const toHome = (item: Item): HomeRegionMarker => {
  const { pk: _pk, sk: _sk, ...marker } = item;
  return marker as unknown as HomeRegionMarker;
};

const CONTENTION_CODES = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
const CONTENTION_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
]);

const isContention = (error: unknown): boolean => error instanceof Error && CONTENTION_ERRORS.has(error.name);

const reasonsOf = (error: TransactionCanceledException): string[] => (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');

const FIELD_NAMES = { pending: '#p', available: '#a', reserved: '#r' } as const;

export class DynamoDbLedgerStore implements LedgerStore, LedgerRepairStore {
  private readonly layout: LedgerLayout;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    layout: Partial<LedgerLayout> = {},
  ) {
    this.layout = checkLayout({ ...DEFAULT_LEDGER_LAYOUT, ...layout });
  }

  /**
   * A scan in parallel segments, strongly consistent, keeping the journal items whose merchant (`m`) is this one.
   * No index lists a merchant's transactions (the statement index holds only those with a line): a forced move is
   * rare, and an index for it would cost a write on every posting, in both regions.
   */
  async merchantJournal(merchantId: string): Promise<readonly PostedTransaction[]> {
    const segments = 4;
    const pages = await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        const items: Item[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.client.send(
            new ScanCommand({
              TableName: this.tableName,
              Segment: segment,
              TotalSegments: segments,
              ConsistentRead: true,
              FilterExpression: 'begins_with(pk, :journal) AND m = :merchant',
              ExpressionAttributeValues: { ':journal': JOURNAL_PREFIX, ':merchant': merchantId },
              ExclusiveStartKey: start,
            }),
          );
          items.push(...(page.Items ?? []));
          start = page.LastEvaluatedKey;
        } while (start);
        return items;
      }),
    );
    return decodeJournal(pages.flat());
  }

  async setShardAmounts(merchantId: string, currency: string, shard: number, from: FieldAmounts, to: FieldAmounts): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const sets: string[] = [];
    const guards: string[] = [];
    for (const field of MERCHANT_FIELDS) {
      const name = FIELD_NAMES[field];
      names[name] = field;
      values[`:to_${field}`] = to[field];
      values[`:from_${field}`] = from[field];
      sets.push(`${name} = :to_${field}`);
      // An item written only by ADD of other fields has no attribute for this one: it reads as 0.
      guards.push(from[field] === 0 ? `(attribute_not_exists(${name}) OR ${name} = :from_${field})` : `${name} = :from_${field}`);
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: balanceKey(merchantId, currency, shard, this.layout.balancePartitions),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: guards.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      if (isContention(error)) throw new LedgerStoreContentionError('balance repair throttled', { cause: error });
      throw error;
    }
  }

  async loadContext(transactionId: string, positionId: string, merchantId: string): Promise<PostingContext> {
    if (routeOfId(transactionId) !== routeOfPosition(positionId)) {
      throw new RangeError(`Transaction ${transactionId} does not belong to position ${positionId}`);
    }
    const [history, home] = await this.read(() => Promise.all([this.history(positionId, true), this.getHomeRegion(merchantId)]));
    return {
      existing: history.find((posted) => posted.transaction.id === transactionId)?.transaction,
      position: foldPosition(positionId, merchantId, history),
      home,
    };
  }

  async getTransaction(id: string): Promise<JournalTransaction | undefined> {
    const journal = decodeJournal(await this.queryAll(this.partitionQuery(journalPartitionOfId(id), true)));
    return journal.find((posted) => posted.transaction.id === id)?.transaction;
  }

  async getPosition(id: string): Promise<Position | undefined> {
    const history = await this.history(id, true);
    return history.length === 0 ? undefined : foldPosition(id, history[0]?.transaction.merchantId ?? '', history);
  }

  async getPositionHistory(id: string): Promise<{ position: Position; transactions: JournalTransaction[] } | undefined> {
    const history = await this.history(id, true);
    if (history.length === 0) return undefined;
    return { position: foldPosition(id, history[0]?.transaction.merchantId ?? '', history), transactions: history.map((posted) => posted.transaction) };
  }

  async readBalances(merchantId: string, currency: string, shards: readonly number[] | 'all'): Promise<readonly BalanceShard[]> {
    return this.read(async () => {
      if (shards === 'all') {
        const partitions = await Promise.all(
          Array.from({ length: this.layout.balancePartitions }, (_, partition) =>
            this.queryAll({
              TableName: this.tableName,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :currency)',
              ExpressionAttributeValues: { ':pk': balancePartition(merchantId, partition), ':currency': `${currency}#` },
              ConsistentRead: true,
            }),
          ),
        );
        return partitions.flat().map(decodeBalance);
      }
      if (shards.length === 0) return [];
      const keys = [...new Set(shards)].map((shard) => balanceKey(merchantId, currency, shard, this.layout.balancePartitions));
      const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
      if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) throw new LedgerStoreContentionError('balance read throttled');
      return (result.Responses?.[this.tableName] ?? []).map(decodeBalance);
    });
  }

  async commit(posting: PreparedPosting): Promise<CommitOutcome> {
    const input = this.transactWriteInput(posting);
    const items = input.TransactItems ?? [];
    try {
      // A posting that moves no merchant money (a settlement of a fully refunded payment) is one item.
      const only = items.length === 1 ? items[0]?.Put : undefined;
      if (only) await this.client.send(new PutCommand(only));
      else await this.client.send(new TransactWriteCommand(input));
      return { outcome: 'committed' };
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
        return { outcome: 'stale', detail: `number ${posting.positionBefore.version + 1} of ${posting.positionBefore.id} is taken` };
      }
      if (error instanceof TransactionCanceledException) {
        const reasons = reasonsOf(error);
        const contended = reasons.filter((code) => CONTENTION_CODES.has(code));
        if (contended.length > 0) return { outcome: 'contention', detail: contended.join(',') };
        if (reasons.includes('ConditionalCheckFailed')) {
          const companionIndex = posting.companion ? items.length - 1 : -1;
          if (reasons.every((code, index) => (code === 'ConditionalCheckFailed') === (index === companionIndex))) {
            return { outcome: 'companion_refused', detail: `${posting.companion?.tableName} ${String(items[companionIndex]?.Put?.Item?.pk)}: condition failed` };
          }
          const failed = reasons.flatMap((code, index) => {
            const item = items[index];
            return code === 'ConditionalCheckFailed' ? [`${String(item?.Update?.Key?.pk ?? item?.Put?.Item?.pk)} ${String(item?.Update?.Key?.sk ?? item?.Put?.Item?.sk)}`] : [];
          });
          // Item 0 is the journal item: its number is taken (by a duplicate or another posting of the position).
          return { outcome: 'stale', detail: `changed since read: ${failed.join(', ')}` };
        }
        throw error;
      }
      if (isContention(error)) return { outcome: 'contention', detail: (error as Error).name };
      throw error;
    }
  }

  transactWriteInput(posting: PreparedPosting): TransactWriteCommandInput {
    const { transaction, positionBefore } = posting;
    if (transaction.positionId !== positionBefore.id) throw new RangeError(`Transaction ${transaction.id} is not of position ${positionBefore.id}`);
    const allocation = posting.changes.map(({ currency, shard, delta }) => ({ currency, shard, delta }));
    const records = transactionItems(transaction, positionBefore.version + 1, allocation, posting.region, this.layout.statementPartitions);
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = records.map((Item) => ({
      Put: { TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' },
    }));
    for (const change of posting.changes) {
      const names: Record<string, string> = {};
      const values: Record<string, number> = {};
      const adds: string[] = [];
      const guards: string[] = [];
      for (const field of MERCHANT_FIELDS) {
        const name = FIELD_NAMES[field];
        if (change.delta[field] !== 0) {
          names[name] = field;
          values[`:${field}`] = change.delta[field];
          adds.push(`${name} :${field}`);
        }
        if (change.atLeast[field] > 0) {
          names[name] = field;
          values[`:min_${field}`] = change.atLeast[field];
          guards.push(`${name} >= :min_${field}`);
        }
      }
      if (adds.length === 0) continue;
      items.push({
        Update: {
          TableName: this.tableName,
          Key: balanceKey(transaction.merchantId, change.currency, change.shard, this.layout.balancePartitions),
          UpdateExpression: `ADD ${adds.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(guards.length > 0 ? { ConditionExpression: guards.join(' AND ') } : {}),
        },
      });
    }
    // A companion (decision record 0062) goes last, so its index tells its refusal from the posting's.
    const { companion } = posting;
    if (companion) {
      const { expression, names, values } = companion.condition;
      items.push({
        Put: {
          TableName: companion.tableName,
          Item: { ...companion.item },
          ConditionExpression: expression,
          ...(names ? { ExpressionAttributeNames: { ...names } } : {}),
          ...(values ? { ExpressionAttributeValues: { ...values } } : {}),
        },
      });
    }
    if (items.length > MAX_TRANSACTION_ITEMS) {
      throw new PostingRejectedError('too_many_items', `Transaction ${transaction.id} needs ${items.length} items; DynamoDB allows ${MAX_TRANSACTION_ITEMS}`);
    }
    return { TransactItems: items };
  }

  async merchantShards(merchantId: string): Promise<readonly BalanceShard[]> {
    const partitions = await Promise.all(
      Array.from({ length: this.layout.balancePartitions }, (_, partition) =>
        this.queryAll({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': balancePartition(merchantId, partition) },
          ConsistentRead: true,
        }),
      ),
    );
    return partitions.flat().map(decodeBalance);
  }

  async getLine(id: string): Promise<StatementLine | undefined> {
    const journal = decodeJournal(await this.queryAll(this.partitionQuery(journalPartitionOfId(id), false)));
    const owner = journal.find((posted) => posted.transaction.id === id || posted.transaction.extraLines?.some((line) => line.id === id));
    if (!owner) return undefined;
    const history = journal.filter((posted) => posted.transaction.positionId === owner.transaction.positionId);
    return positionLines(history).find((line) => line.id === id);
  }

  /**
   * The statement index spreads a merchant's lines over a few partitions: each is read within the list
   * window (created-order.ts), the answers merged, and the page's lines read from their positions' journals (one query
   * per position), where their current status is.
   */
  async listLines(merchantId: string, window: ListWindow): Promise<LinePage> {
    const page = await queryCreatedOrder(
      this.client,
      this.tableName,
      { indexName: STATEMENT_INDEX, partitionKey: 'gm', sortKey: 'gt' },
      Array.from({ length: this.layout.statementPartitions }, (_, partition) => `${merchantId}#${partition}`),
      window,
    );
    const shown = page.items;
    const positions = new Map<string, { pk: string; positionId: string }>();
    for (const key of shown) {
      const { positionId } = parseJournalSortKey(String(key.sk));
      positions.set(`${String(key.pk)}/${positionId}`, { pk: String(key.pk), positionId });
    }
    const lines = new Map<string, StatementLine>();
    await Promise.all(
      [...positions.values()].map(async ({ pk, positionId }) => {
        const history = decodeJournal(await this.queryAll(this.positionQuery(pk, positionId, false)));
        for (const line of positionLines(history)) lines.set(line.id, line);
      }),
    );
    const ordered = shown.flatMap((key) => {
      const id = String(key.gt).slice(String(key.gt).indexOf('#') + 1);
      const line = lines.get(id);
      return line ? [line] : [];
    });
    return { lines: ordered, hasMore: page.hasMore };
  }

  async getHomeRegion(merchantId: string): Promise<HomeRegionMarker | undefined> {
    const copy = Math.floor(Math.random() * HOME_COPIES);
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: homeKey(merchantId, copy), ConsistentRead: true }));
    return result.Item ? toHome(result.Item) : undefined;
  }

  /** Every copy in one transaction, each on the same condition: all move to the new epoch, or none does. */
  async putHomeRegion(marker: HomeRegionMarker, expectedEpoch: number): Promise<boolean> {
    const condition =
      expectedEpoch === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: '#epoch = :epoch', ExpressionAttributeNames: { '#epoch': 'epoch' }, ExpressionAttributeValues: { ':epoch': expectedEpoch } };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: HOME_COPIES }, (_, copy) => ({
            Put: { TableName: this.tableName, Item: { ...homeKey(marker.merchantId, copy), ...marker }, ...condition },
          })),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
  }

  /** A position's transactions (and extra lines), oldest first. */
  private async history(positionId: string, consistent: boolean): Promise<PostedTransaction[]> {
    return decodeJournal(await this.queryAll(this.positionQuery(journalPartition(positionId), positionId, consistent)));
  }

  private positionQuery(pk: string, positionId: string, consistent: boolean): QueryCommandInput {
    return {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :position)',
      ExpressionAttributeValues: { ':pk': pk, ':position': `${positionId}#` },
      ConsistentRead: consistent,
    };
  }

  private partitionQuery(pk: string, consistent: boolean): QueryCommandInput {
    return { TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: consistent };
  }

  /** Reads on the posting path: throttling is contention (back off), not a failure. */
  private async read<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isContention(error)) throw new LedgerStoreContentionError('ledger read throttled', { cause: error });
      throw error;
    }
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
