import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ACCOUNT_RULES, parseAccountKey } from '../../domain/ledger/accounts';
import { type ShardBalance, type ShardCounts, shardCountOf } from '../../domain/ledger/balances';
import { PostingRejectedError } from '../../domain/ledger/errors';
import type { HomeRegionMarker } from '../../domain/ledger/home-region';
import { type Position, emptyPosition } from '../../domain/ledger/positions';
import { type JournalTransaction, type StatementLine, linesOf } from '../../domain/ledger/transaction';
import {
  type CommitOutcome,
  type LedgerStore,
  LedgerStoreContentionError,
  type LinePage,
  type PostingContext,
  type PreparedPosting,
} from '../../ports/ledger-store';

/**
 * The ledger in its own DynamoDB table (`ledger`, docs/ledger.md), pk/sk strings:
 *   txn#<txn id>        / txn       the journal transaction, immutable (conditional put)
 *   line#<line id>      / line      its statement line(s): the first has the transaction's id, a conversion's
 *                                   second an id from `extraLineId`; GSI merchant-lines (line_merchant, line_created)
 *   pos#<pay_|po_ id>   / position  the payment's or payout's position, versioned
 *   bal#<merchant id>   / <account key>#<shard>   a merchant account's balance shard: one Query per merchant
 *   bal#<account key>#<shard> / <account key>#<shard>   a platform or channel account's shard: one
 *                                   partition each, because every merchant's postings touch them
 *   home#<merchant id>  / home      the merchant's home-region marker
 * One posting is one TransactWriteItems: the transaction, its line, the position (guarded by its
 * version), status changes of earlier lines, and every balance shard it changes (guarded by
 * "balance ≥ amount taken" on non-negative accounts).
 */
export const MAX_TRANSACTION_ITEMS = 100;

const TRANSACTION_SK = 'txn';
const LINE_SK = 'line';
const POSITION_SK = 'position';
const HOME_SK = 'home';

const padShard = (shard: number): string => String(shard).padStart(2, '0');

export const shardKey = (account: string, shard: number): { pk: string; sk: string } => {
  const { type, owner } = parseAccountKey(account);
  const sk = `${account}#${padShard(shard)}`;
  return ACCOUNT_RULES[type].owner === 'merchant' ? { pk: `bal#${owner}`, sk } : { pk: `bal#${sk}`, sk };
};

const transactionKey = (id: string) => ({ pk: `txn#${id}`, sk: TRANSACTION_SK });
const lineKey = (id: string) => ({ pk: `line#${id}`, sk: LINE_SK });
const positionKey = (id: string) => ({ pk: `pos#${id}`, sk: POSITION_SK });
const homeKey = (merchantId: string) => ({ pk: `home#${merchantId}`, sk: HOME_SK });
const lineIndexKeys = (line: StatementLine) => ({ line_merchant: line.merchantId, line_created: `${line.createdAt}#${line.id}` });

type Item = Record<string, unknown>;

const strip = <T>(item: Item, ...extra: string[]): T => {
  const copy: Item = { ...item };
  for (const key of ['pk', 'sk', ...extra]) delete copy[key];
  return copy as T;
};

export const toTransaction = (item: Item): JournalTransaction => strip<JournalTransaction>(item, 'region');
export const toLine = (item: Item): StatementLine => strip<StatementLine>(item, 'line_merchant', 'line_created');
export const toPosition = (item: Item): Position => strip<Position>(item);
export const toShard = (item: Item): ShardBalance => ({
  account: item.account as string,
  shard: item.shard as number,
  balance: (item.balance as number | undefined) ?? 0,
  debits: (item.debits as number | undefined) ?? 0,
  credits: (item.credits as number | undefined) ?? 0,
});
const toHome = (item: Item): HomeRegionMarker => strip<HomeRegionMarker>(item);

/** Record types by key, for the verifier's scan. */
export const recordTypeOf = (item: Item): 'transaction' | 'line' | 'position' | 'balance' | 'home' | 'unknown' => {
  const pk = String(item.pk);
  if (pk.startsWith('txn#')) return 'transaction';
  if (pk.startsWith('line#')) return 'line';
  if (pk.startsWith('pos#')) return 'position';
  if (pk.startsWith('bal#')) return 'balance';
  if (pk.startsWith('home#')) return 'home';
  return 'unknown';
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

export class DynamoDbLedgerStore implements LedgerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly shardCounts: ShardCounts = {},
  ) {}

  async loadContext(transactionId: string, positionId: string, merchantId: string): Promise<PostingContext> {
    try {
      const result = await this.client.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: this.tableName, Key: transactionKey(transactionId) } },
            { Get: { TableName: this.tableName, Key: positionKey(positionId) } },
            { Get: { TableName: this.tableName, Key: homeKey(merchantId) } },
          ],
        }),
      );
      const [transaction, position, home] = (result.Responses ?? []).map((response) => response?.Item);
      return {
        existing: transaction ? toTransaction(transaction) : undefined,
        position: position ? toPosition(position) : emptyPosition(positionId, merchantId),
        home: home ? toHome(home) : undefined,
      };
    } catch (error) {
      // A transactional read loses to a transaction writing the same item (TransactionConflict).
      if (error instanceof TransactionCanceledException || isContention(error)) {
        throw new LedgerStoreContentionError('context read conflicted with a write in progress', { cause: error });
      }
      throw error;
    }
  }

  async getTransaction(id: string): Promise<JournalTransaction | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: transactionKey(id), ConsistentRead: true }));
    return result.Item ? toTransaction(result.Item) : undefined;
  }

  async readShards(accounts: readonly string[]): Promise<ReadonlyMap<string, readonly ShardBalance[]>> {
    const shards = new Map<string, ShardBalance[]>();
    for (const account of accounts) {
      const { type, owner } = parseAccountKey(account);
      if (ACCOUNT_RULES[type].owner === 'merchant') {
        const items = await this.queryAll({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `bal#${owner}`, ':prefix': `${account}#` },
          ConsistentRead: true,
        });
        shards.set(account, items.map(toShard));
      } else {
        const keys = Array.from({ length: shardCountOf(type, this.shardCounts) }, (_, shard) => shardKey(account, shard));
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) throw new LedgerStoreContentionError('shard read throttled');
        shards.set(account, (result.Responses?.[this.tableName] ?? []).map(toShard));
      }
    }
    return shards;
  }

  async commit(posting: PreparedPosting): Promise<CommitOutcome> {
    const input = this.transactWriteInput(posting);
    try {
      await this.client.send(new TransactWriteCommand(input));
      return { outcome: 'committed' };
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = reasonsOf(error);
        // Item 0 is the transaction's conditional put: it failing means the id is already posted.
        if (reasons[0] === 'ConditionalCheckFailed') return { outcome: 'duplicate' };
        const contended = reasons.filter((code) => CONTENTION_CODES.has(code));
        if (contended.length > 0) return { outcome: 'contention', detail: contended.join(',') };
        if (reasons.includes('ConditionalCheckFailed')) {
          const failed = reasons.flatMap((code, index) => {
            const item = input.TransactItems?.[index];
            return code === 'ConditionalCheckFailed' ? [String(item?.Update?.Key?.sk ?? item?.Put?.Item?.pk)] : [];
          });
          return { outcome: 'stale', detail: `changed since read: ${failed.join(', ')}` };
        }
        throw error;
      }
      if (isContention(error)) return { outcome: 'contention', detail: (error as Error).name };
      throw error;
    }
  }

  transactWriteInput(posting: PreparedPosting): TransactWriteCommandInput {
    const { transaction, positionBefore, positionAfter } = posting;
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...transactionKey(transaction.id), ...transaction, region: posting.region },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    for (const line of linesOf(transaction)) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...lineKey(line.id), ...line, ...lineIndexKeys(line) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    items.push({
      Put: {
        TableName: this.tableName,
        Item: { ...positionKey(positionAfter.id), ...positionAfter },
        ...(positionBefore.version === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#version = :version',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':version': positionBefore.version },
            }),
      },
    });
    for (const change of transaction.lineChanges) {
      items.push({
        Update: {
          TableName: this.tableName,
          Key: lineKey(change.lineId),
          UpdateExpression: 'SET #status = :to, availableOn = :on',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': change.to, ':from': change.from, ':on': change.availableOn },
        },
      });
    }
    for (const update of posting.balanceUpdates) {
      const { type, owner, currency } = parseAccountKey(update.account);
      items.push({
        Update: {
          TableName: this.tableName,
          Key: shardKey(update.account, update.shard),
          // Every name aliased: several (shard, owner...) are DynamoDB reserved words.
          UpdateExpression:
            'ADD #balance :delta, #debits :debits, #credits :credits SET #account = :account, #shard = :shard, #type = :type, #owner = :owner, #currency = :currency',
          ExpressionAttributeNames: {
            '#balance': 'balance',
            '#debits': 'debits',
            '#credits': 'credits',
            '#account': 'account',
            '#shard': 'shard',
            '#type': 'account_type',
            '#owner': 'owner',
            '#currency': 'currency',
          },
          ExpressionAttributeValues: {
            ':delta': update.delta,
            ':debits': update.debits,
            ':credits': update.credits,
            ':account': update.account,
            ':shard': update.shard,
            ':type': type,
            ':owner': owner,
            ':currency': currency,
            ...(update.requireAtLeast === null ? {} : { ':atLeast': update.requireAtLeast }),
          },
          ...(update.requireAtLeast === null ? {} : { ConditionExpression: '#balance >= :atLeast' }),
        },
      });
    }
    if (items.length > MAX_TRANSACTION_ITEMS) {
      throw new PostingRejectedError('too_many_items', `Transaction ${transaction.id} needs ${items.length} items; DynamoDB allows ${MAX_TRANSACTION_ITEMS}`);
    }
    return { TransactItems: items };
  }

  async getPosition(id: string): Promise<Position | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: positionKey(id), ConsistentRead: true }));
    return result.Item ? toPosition(result.Item) : undefined;
  }

  async merchantShards(merchantId: string): Promise<readonly ShardBalance[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `bal#${merchantId}` },
      ConsistentRead: true,
    });
    return items.map(toShard);
  }

  async getLine(id: string): Promise<StatementLine | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: lineKey(id) }));
    return result.Item ? toLine(result.Item) : undefined;
  }

  async listLines(merchantId: string, page: { limit: number; after?: StatementLine }): Promise<LinePage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'merchant-lines',
        KeyConditionExpression: 'line_merchant = :merchant',
        ExpressionAttributeValues: { ':merchant': merchantId },
        ScanIndexForward: false,
        Limit: page.limit + 1,
        ExclusiveStartKey: page.after ? { ...lineKey(page.after.id), ...lineIndexKeys(page.after) } : undefined,
      }),
    );
    const items = result.Items ?? [];
    return { lines: items.slice(0, page.limit).map(toLine), hasMore: items.length > page.limit };
  }

  async getHomeRegion(merchantId: string): Promise<HomeRegionMarker | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: homeKey(merchantId), ConsistentRead: true }));
    return result.Item ? toHome(result.Item) : undefined;
  }

  async putHomeRegion(marker: HomeRegionMarker, expectedEpoch: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...homeKey(marker.merchantId), ...marker },
          ...(expectedEpoch === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#epoch = :epoch', ExpressionAttributeNames: { '#epoch': 'epoch' }, ExpressionAttributeValues: { ':epoch': expectedEpoch } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async queryAll(input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Item[]> {
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
