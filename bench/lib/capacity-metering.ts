import { Agent, request as httpRequest } from 'node:http';
import { crc32 } from 'node:zlib';
import {
  type AttributeValue,
  type Item,
  type ItemWrite,
  type TableSchema,
  cancelledTransactionItemUnits,
  itemIndexWrites,
  itemReadUnits,
  itemWriteUnits,
  partitionValueText,
  queryReadUnits,
  refusedWriteUnits,
  transactionReplayReadUnits,
} from './capacity-units';
import { appliedUpdate } from './update-expression';

/**
 * Forwards one DynamoDB request to DynamoDB Local and computes what AWS would bill for it, by the rules in
 * bench/lib/capacity-units.ts. The rules need the item images either side of every write, which a request
 * does not carry; this is where they come from (docs/benchmarks.md, "How DynamoDB units are counted"):
 *
 * - Each written item is locked in the meter (per DynamoDB Local namespace, table and key) from before its
 *   first image is read until its last one is, so no other write through the proxy lands in between and
 *   the images are exactly the ones the write saw. Items are locked in one global order: no deadlock.
 * - PutItem and DeleteItem: the before image comes back in the same atomic call (`ReturnValues: ALL_OLD`
 *   added when the caller asked for nothing, `ReturnValuesOnConditionCheckFailure: ALL_OLD` for a refused
 *   write); the after image is the request's item. No extra request.
 * - UpdateItem: one shadow GetItem (strongly consistent) for the before image; the after image comes back
 *   in the call (`ReturnValues: ALL_NEW` when the caller asked for nothing or for it), or from a second
 *   shadow GetItem when the caller asked for other return values.
 * - TransactWriteItems and BatchWriteItem: one shadow BatchGetItem for the before images. A transaction's
 *   Updates' after images are worked out from their before images where the UpdateExpression is one of the
 *   simple shapes bench/lib/update-expression.ts applies (the ledger's `ADD` on balance shards, plain `SET`),
 *   and read in a second shadow BatchGetItem otherwise.
 * - With `rememberImages` (the bench), the meter keeps the image each write left (under the item's lock,
 *   so in the order DynamoDB Local applied them) and takes it as the next write's before image instead of
 *   reading it again: the same image a shadow read would return, provided nothing else writes the metered
 *   tables (the bench writes only through the platform; drills that change items straight in DynamoDB
 *   Local leave it off) and DynamoDB Local's TTL sweeper has not removed the item (an image whose TTL
 *   attribute is past or within a minute is not trusted). A write that fails otherwise than by its
 *   condition forgets the items it named. Shadow reads are still made for an item the meter has not seen
 *   written and for the after images of transactional Updates.
 * - A transaction's Put whose only condition is `attribute_not_exists` of a key attribute had no item
 *   before if the transaction commits; its before image is read only when it does not (cancelled, or a
 *   replayed token), still under the lock, so the same as before the call.
 * - Reads are sized on what they return; a read whose answer is trimmed (ProjectionExpression,
 *   FilterExpression, Select COUNT) is repeated as a shadow read without the trimming, since AWS bills the
 *   items read, not the attributes returned. Reads are not locked: a write landing between the read and
 *   its shadow could change the size by a few bytes.
 * Shadow reads go straight to DynamoDB Local with the caller's credentials and are counted nowhere. What
 * the meter adds to a request is removed from the answer, so the platform sees what it asked for.
 * Only tables with a schema are metered (the billed ones); others are forwarded as they are.
 *
 * The same units are also told per partition key value (`partitions`: what limits one key, at 1,000 write
 * and 3,000 read units a second): a table write on the item's partition key value, an index write on the
 * index entry's (a moved entry: the delete on the old value, the put on the new), refused writes and
 * cancelled transaction items on the item's, GetItem, BatchGetItem and TransactGetItems per item's, a Query
 * on the partition its key condition names. A Scan reads across partitions: its units carry no partition
 * (`partition: null`), and neither would a Query whose key condition could not be read. The breakdown adds
 * up to the per-table fields: table writes = writeUnits + refusedWriteUnits + cancelledTransactionWriteUnits,
 * index writes = indexWriteUnits, table reads = readUnits, index reads = indexReadUnits.
 */
export type Body = Record<string, unknown>;

export const CHARGE_FIELDS = [
  'readUnits',
  'indexReadUnits',
  'writeUnits',
  'indexWriteUnits',
  'replicaWriteUnits',
  'refusedWriteUnits',
  'cancelledTransactionWriteUnits',
  'unmeteredRequests',
] as const;
export type ChargeField = (typeof CHARGE_FIELDS)[number];
/** Per table, what one request consumes by AWS's rules (`unmeteredRequests`: requests the meter could not size). */
export type TableCharges = Record<string, Partial<Record<ChargeField, number>>>;

export interface UpstreamAnswer {
  readonly status: number;
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly json?: Body;
}

/**
 * What one request consumed on one partition key value: of the table (`index` undefined) or of one of its
 * global secondary indexes. `partition` is null for units spread over partitions (a Scan).
 */
export interface PartitionCharge {
  readonly table: string;
  readonly index?: string;
  readonly partition: string | null;
  readonly writeUnits: number;
  readonly readUnits: number;
}

export interface MeteredAnswer extends UpstreamAnswer {
  readonly charges: TableCharges;
  readonly partitions: readonly PartitionCharge[];
}

export interface CapacityMeter {
  /** Forwards a request (with `ReturnConsumedCapacity: INDEXES`, for the cross-check) and meters it. */
  forward(operation: string, body: Body, headers: Readonly<Record<string, string>>): Promise<MeteredAnswer>;
  /** Shadow reads made so far: the metering's own load on DynamoDB Local (not in any count). */
  readonly shadowRequests: number;
  /** Kept-alive connections to DynamoDB Local (`upstreamRequest`), for requests passed on unmetered. */
  readonly agent: Agent;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** Serializes work on the same keys: acquire a set of keys in one global order, release them together. */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(keys: readonly string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const key of [...new Set(keys)].sort()) {
      const previous = this.tails.get(key) ?? Promise.resolve();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => held);
      this.tails.set(key, tail);
      await previous;
      releases.push(() => {
        release();
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    }
    return () => {
      for (const release of releases) release();
    };
  }
}

class ShadowReadError extends Error {
  override readonly name = 'ShadowReadError';
}

/** A TransactWriteItems ClientRequestToken is honoured for 10 minutes (transaction-apis.html, "Idempotency"). */
const TOKEN_WINDOW_MS = 10 * 60 * 1000;

const errorType = (json: Body | undefined): string => String(json?.__type ?? '').split('#').pop() ?? '';

/** The DynamoDB Local namespace of a request: its access key and region (tables are kept per both). */
const namespaceOf = (headers: Readonly<Record<string, string>>): string => {
  const credential = /Credential=([^/,\s]+)\/[^/]+\/([^/]+)\//.exec(headers.authorization ?? '');
  return credential ? `${credential[1]}/${credential[2]}` : '';
};

/** Names (`#n`) and values (`:v`) an expression refers to. */
const placeholders = (expressions: readonly unknown[]): Set<string> =>
  new Set(expressions.flatMap((expression) => (typeof expression === 'string' ? (expression.match(/[#:][A-Za-z0-9_]+/g) ?? []) : [])));

const TRIMMING = ['ProjectionExpression', 'FilterExpression', 'AttributesToGet', 'QueryFilter', 'ScanFilter', 'ConditionalOperator'] as const;

/** A Query or Scan whose answer does not hold every item it read, whole. */
const trimsAnswer = (body: Body): boolean =>
  TRIMMING.some((field) => body[field] !== undefined) || (body.Select !== undefined && body.Select !== 'ALL_ATTRIBUTES' && body.Select !== 'ALL_PROJECTED_ATTRIBUTES');

/** The same Query or Scan without what trims its answer (and without the placeholders only that used). */
const untrimmed = (body: Body): Body => {
  const shadow: Body = { ...body };
  for (const field of [...TRIMMING, 'Select', 'ReturnConsumedCapacity']) delete shadow[field];
  const used = placeholders([shadow.KeyConditionExpression]);
  const keep = (map: unknown, prefix: string) => {
    const kept = Object.fromEntries(Object.entries((map as Body | undefined) ?? {}).filter(([name]) => name.startsWith(prefix) && used.has(name)));
    return Object.keys(kept).length ? kept : undefined;
  };
  shadow.ExpressionAttributeNames = keep(body.ExpressionAttributeNames, '#');
  shadow.ExpressionAttributeValues = keep(body.ExpressionAttributeValues, ':');
  for (const field of ['ExpressionAttributeNames', 'ExpressionAttributeValues']) if (shadow[field] === undefined) delete shadow[field];
  return shadow;
};

/** A write whose whole condition is `attribute_not_exists(<a key attribute>)`: it succeeds only where there is no item. */
export const requiresAbsence = (request: Body, schema: TableSchema): boolean => {
  const condition = typeof request.ConditionExpression === 'string' ? /^\s*attribute_not_exists\s*\(\s*(#?[\w]+)\s*\)\s*$/.exec(request.ConditionExpression) : null;
  if (!condition) return false;
  const operand = condition[1] as string;
  const name = operand.startsWith('#') ? ((request.ExpressionAttributeNames ?? {}) as Record<string, string>)[operand] : operand;
  return name === schema.partitionKey || (schema.sortKey !== undefined && name === schema.sortKey);
};

const hasProjection = (request: Body | undefined): boolean => request?.ProjectionExpression !== undefined || request?.AttributesToGet !== undefined;

/**
 * The partition key value a Query reads: the equality on the partition key of the table or of the index it
 * names, in its KeyConditionExpression (or legacy KeyConditions); null when there is none to read.
 */
export const queriedPartition = (body: Body, schema: TableSchema): string | null => {
  const attribute = body.IndexName === undefined ? schema.partitionKey : schema.indexes.find((index) => index.name === body.IndexName)?.partitionKey;
  if (attribute === undefined) return null;
  const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (body.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  const nameOf = (operand: string) => (operand.startsWith('#') ? names[operand] : operand);
  if (typeof body.KeyConditionExpression === 'string') {
    // A sort key's `BETWEEN :a AND :b` splits into two terms here; neither is an equality on the partition key.
    for (const term of body.KeyConditionExpression.split(/\s+and\s+/i)) {
      const equality = /^[\s(]*([#:]?[\w.]+)\s*=\s*([#:]?[\w.]+)[\s)]*$/.exec(term);
      if (!equality) continue;
      const [left, right] = [equality[1] as string, equality[2] as string];
      const [name, placeholder] = left.startsWith(':') ? [right, left] : [left, right];
      if (nameOf(name) === attribute && placeholder.startsWith(':')) return partitionValueText(values[placeholder]) ?? null;
    }
  }
  const legacy = (body.KeyConditions as Record<string, { ComparisonOperator?: string; AttributeValueList?: AttributeValue[] }> | undefined)?.[attribute];
  return legacy?.ComparisonOperator === 'EQ' ? (partitionValueText(legacy.AttributeValueList?.[0]) ?? null) : null;
};

type Key = Record<string, unknown>;

/** The tables a request names, in order, each once. */
export const tablesOf = (operation: string, body: Body): string[] => {
  const names: string[] = [];
  const add = (name: unknown) => {
    if (typeof name === 'string' && !names.includes(name)) names.push(name);
  };
  add(body.TableName);
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') Object.keys((body.RequestItems as Body | undefined) ?? {}).forEach(add);
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    for (const item of (body.TransactItems as Body[] | undefined) ?? []) {
      for (const action of Object.values(item)) add((action as Body | undefined)?.TableName);
    }
  }
  return names;
};

/**
 * One HTTP request to DynamoDB Local over kept-alive connections (node:http, not `fetch`: undici's fetch
 * builds WHATWG streams and Headers for every request and was about a tenth of the bench's Node CPU at
 * two upstream requests per platform request; measured with --cpu-prof, docs/benchmarks.md). Answers are
 * asked for unencoded: the meter reads them.
 */
export const upstreamRequest = (
  agent: Agent,
  target: string,
  method: string,
  headers: Readonly<Record<string, string>>,
  body: Buffer | string | undefined,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
  new Promise((resolve, reject) => {
    const outgoing = httpRequest(target, { method, agent, headers: { ...headers, 'accept-encoding': 'identity', ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const answerHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) answerHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ status: incoming.statusCode ?? 502, headers: answerHeaders, body: Buffer.concat(chunks) });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });

export interface CapacityMeterOptions {
  /** Keep the image each write leaves and use it as the next write's before image (see above). Default false. */
  readonly rememberImages?: boolean;
}

/** An image whose TTL attribute is due within this many seconds may be gone (DynamoDB Local's TTL sweeper): read again. */
const TTL_DISTRUST_SECONDS = 60;

export const createCapacityMeter = (target: string, schemas: Readonly<Record<string, TableSchema>>, meterOptions: CapacityMeterOptions = {}): CapacityMeter => {
  const locks = new KeyLocks();
  /** The image the last write through the meter left per locked item id (undefined: no item). */
  const images = new Map<string, Item | undefined>();
  const succeededTokens = new Map<string, number>();
  const agent = new Agent({ keepAlive: true });
  let shadowRequests = 0;

  const post = async (operation: string, payload: Body, headers: Readonly<Record<string, string>>): Promise<UpstreamAnswer> => {
    const response = await upstreamRequest(agent, target, 'POST', { ...headers, 'x-amz-target': `DynamoDB_20120810.${operation}` }, JSON.stringify(payload));
    const { body } = response;
    let json: Body | undefined;
    try {
      const value = JSON.parse(body.toString('utf8')) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) json = value as Body;
    } catch {
      // Not JSON: passed on as it is.
    }
    return { status: response.status, headers: response.headers, body, json };
  };

  /** The answer with what the meter added to the request taken out again. */
  const withoutAdded = (answer: UpstreamAnswer, fields: readonly string[]): UpstreamAnswer => {
    if (!answer.json || !fields.some((field) => field in (answer.json as Body))) return answer;
    const json: Body = { ...answer.json };
    for (const field of fields) delete json[field];
    const body = Buffer.from(JSON.stringify(json));
    const headers = { ...answer.headers };
    if (headers['x-amz-crc32'] !== undefined) headers['x-amz-crc32'] = String(crc32(body));
    return { ...answer, headers, body, json };
  };

  return {
    get shadowRequests() {
      return shadowRequests;
    },
    agent,
    close: () => agent.destroy(),
    forward: async (operation, body, headers) => {
      const namespace = namespaceOf(headers);
      const charges: TableCharges = {};
      const partitions = new Map<string, { table: string; index?: string; partition: string | null; writeUnits: number; readUnits: number }>();
      const charge = (table: string, field: ChargeField, units: number) => {
        if (!units) return;
        const entry = (charges[table] ??= {});
        entry[field] = (entry[field] ?? 0) + units;
      };
      /** Units on one partition key value of the table (`index` undefined) or of one of its indexes. */
      const chargePartition = (table: string, index: string | undefined, partition: string | null, units: { writeUnits?: number; readUnits?: number }) => {
        if (!units.writeUnits && !units.readUnits) return;
        const id = JSON.stringify([table, index ?? null, partition]);
        const entry = partitions.get(id) ?? { table, ...(index === undefined ? {} : { index }), partition, writeUnits: 0, readUnits: 0 };
        entry.writeUnits += units.writeUnits ?? 0;
        entry.readUnits += units.readUnits ?? 0;
        partitions.set(id, entry);
      };
      const partitionOf = (schema: TableSchema, key: Key): string | null => partitionValueText(key[schema.partitionKey] as AttributeValue | undefined) ?? null;
      /** A table's field and the item's partition, together: reads, refused writes, cancelled transaction items. */
      const chargeItem = (table: string, schema: TableSchema, key: Key, field: 'readUnits' | 'refusedWriteUnits' | 'cancelledTransactionWriteUnits', units: number) => {
        charge(table, field, units);
        chargePartition(table, undefined, partitionOf(schema, key), field === 'readUnits' ? { readUnits: units } : { writeUnits: units });
      };
      /** A successful item write: the table's units on the item's partition, each index's on its entry's. */
      const chargeWrite = (table: string, schema: TableSchema, key: Key, write: ItemWrite, transactional: boolean) => {
        const units = itemWriteUnits(write, schema, { transactional });
        charge(table, 'writeUnits', units.table);
        charge(table, 'indexWriteUnits', Object.values(units.indexes).reduce((sum, value) => sum + value, 0));
        charge(table, 'replicaWriteUnits', units.replicaTable);
        chargePartition(table, undefined, partitionOf(schema, key), { writeUnits: units.table });
        for (const entry of itemIndexWrites(write, schema)) chargePartition(table, entry.index, entry.partition, { writeUnits: entry.units });
      };
      const send = (payload: Body) => post(operation, { ...payload, ReturnConsumedCapacity: 'INDEXES' }, headers);

      const schemaOf = (table: unknown): TableSchema | undefined => (typeof table === 'string' ? schemas[table] : undefined);
      const keyOf = (schema: TableSchema, item: unknown): Key | undefined => {
        const attributes = (item ?? {}) as Key;
        const partition = attributes[schema.partitionKey];
        const sort = schema.sortKey === undefined ? undefined : attributes[schema.sortKey];
        if (partition === undefined || (schema.sortKey !== undefined && sort === undefined)) return undefined;
        return schema.sortKey === undefined ? { [schema.partitionKey]: partition } : { [schema.partitionKey]: partition, [schema.sortKey]: sort };
      };
      const idOf = (table: string, schema: TableSchema, key: Key) =>
        `${table}\u0000${JSON.stringify([key[schema.partitionKey], schema.sortKey === undefined ? null : key[schema.sortKey]])}`;
      const lock = (ids: readonly string[]) => locks.acquire(ids.map((id) => `${namespace}\u0000${id}`));
      /** The image the last write through the meter left (call under the item's lock), or 'unknown'. */
      const known = (schema: TableSchema, id: string): Item | undefined | 'unknown' => {
        const remembered = `${namespace}\u0000${id}`;
        if (!meterOptions.rememberImages || !images.has(remembered)) return 'unknown';
        const image = images.get(remembered);
        const ttl = schema.timeToLiveAttribute === undefined ? undefined : (image?.[schema.timeToLiveAttribute] as AttributeValue | undefined);
        const expires = ttl && 'N' in ttl ? Number(ttl.N) : undefined;
        if (expires !== undefined && expires <= Date.now() / 1000 + TTL_DISTRUST_SECONDS) return 'unknown';
        return image;
      };
      const remember = (id: string, image: Item | undefined) => {
        if (meterOptions.rememberImages) images.set(`${namespace}\u0000${id}`, image);
      };
      const forget = (ids: readonly string[]) => {
        for (const id of ids) images.delete(`${namespace}\u0000${id}`);
      };
      /** Items this request writes (locked ids), forgotten if it fails in a way that leaves them unknown. */
      const written: string[] = [];

      const shadowGet = async (table: string, key: Key): Promise<Item | undefined> => {
        shadowRequests += 1;
        const answer = await post('GetItem', { TableName: table, Key: key, ConsistentRead: true }, headers);
        if (answer.status !== 200) throw new ShadowReadError(`GetItem ${table}: ${errorType(answer.json) || answer.status}`);
        return answer.json?.Item as Item | undefined;
      };
      /** Items by id (`idOf`), read strongly consistent unless told otherwise. */
      const shadowBatchGet = async (wanted: readonly { table: string; schema: TableSchema; key: Key }[], consistent = true): Promise<Map<string, Item>> => {
        const found = new Map<string, Item>();
        const unique = [...new Map(wanted.map((entry) => [idOf(entry.table, entry.schema, entry.key), entry])).values()];
        for (let start = 0; start < unique.length; start += 100) {
          let pending: Record<string, { Keys: Key[]; ConsistentRead: boolean }> = {};
          for (const entry of unique.slice(start, start + 100)) (pending[entry.table] ??= { Keys: [], ConsistentRead: consistent }).Keys.push(entry.key);
          while (Object.keys(pending).length) {
            shadowRequests += 1;
            const answer = await post('BatchGetItem', { RequestItems: pending }, headers);
            if (answer.status !== 200) throw new ShadowReadError(`BatchGetItem: ${errorType(answer.json) || answer.status}`);
            for (const [table, items] of Object.entries((answer.json?.Responses ?? {}) as Record<string, Item[]>)) {
              const schema = schemas[table] as TableSchema;
              for (const item of items) {
                const key = keyOf(schema, item);
                if (key) found.set(idOf(table, schema, key), item);
              }
            }
            pending = (answer.json?.UnprocessedKeys ?? {}) as typeof pending;
          }
        }
        return found;
      };

      /** Before images of items about to be written (under their locks): remembered ones, the rest in one shadow read. */
      const imagesBefore = async (wanted: readonly { table: string; schema: TableSchema; key: Key }[]): Promise<Map<string, Item>> => {
        const found = new Map<string, Item>();
        const unknown = wanted.filter((entry) => {
          const id = idOf(entry.table, entry.schema, entry.key);
          const remembered = known(entry.schema, id);
          if (remembered === 'unknown') return true;
          if (remembered) found.set(id, remembered);
          return false;
        });
        if (unknown.length) for (const [id, item] of await shadowBatchGet(unknown)) found.set(id, item);
        return found;
      };

      let forwarded: UpstreamAnswer | undefined;
      const forwardOnce = async (payload: Body) => {
        forwarded = await send(payload);
        return forwarded;
      };

      const meter = async (): Promise<UpstreamAnswer> => {
        switch (operation) {
          case 'GetItem': {
            const schema = schemaOf(body.TableName);
            const answer = await forwardOnce(body);
            if (!schema || answer.status !== 200) return answer;
            const table = body.TableName as string;
            const item = hasProjection(body) ? await shadowGet(table, body.Key as Key) : (answer.json?.Item as Item | undefined);
            chargeItem(table, schema, body.Key as Key, 'readUnits', itemReadUnits([item], body.ConsistentRead === true ? 'strong' : 'eventual'));
            return answer;
          }
          case 'Query':
          case 'Scan': {
            const schema = schemaOf(body.TableName);
            const answer = await forwardOnce(body);
            if (!schema || answer.status !== 200) return answer;
            const trimmed = trimsAnswer(body);
            if (trimmed) shadowRequests += 1;
            const read = trimmed ? await post(operation, untrimmed(body), headers) : answer;
            if (read.status !== 200) throw new ShadowReadError(`${operation}: ${errorType(read.json) || read.status}`);
            const units = queryReadUnits((read.json?.Items ?? []) as Item[], body.ConsistentRead === true ? 'strong' : 'eventual');
            charge(body.TableName as string, body.IndexName === undefined ? 'readUnits' : 'indexReadUnits', units);
            chargePartition(body.TableName as string, body.IndexName as string | undefined, operation === 'Query' ? queriedPartition(body, schema) : null, { readUnits: units });
            return answer;
          }
          case 'BatchGetItem': {
            const answer = await forwardOnce(body);
            if (answer.status !== 200) return answer;
            const responses = (answer.json?.Responses ?? {}) as Record<string, Item[]>;
            const unprocessed = (answer.json?.UnprocessedKeys ?? {}) as Record<string, { Keys?: Key[] }>;
            for (const [table, request] of Object.entries((body.RequestItems ?? {}) as Record<string, Body>)) {
              const schema = schemaOf(table);
              if (!schema) continue;
              const skipped = new Set((unprocessed[table]?.Keys ?? []).map((key) => idOf(table, schema, key)));
              const keys = ((request.Keys ?? []) as Key[]).filter((key) => !skipped.has(idOf(table, schema, key)));
              const consistent = request.ConsistentRead === true;
              const items = hasProjection(request)
                ? await shadowBatchGet(keys.map((key) => ({ table, schema, key })), consistent)
                : new Map((responses[table] ?? []).map((item) => [idOf(table, schema, keyOf(schema, item) ?? {}), item]));
              for (const key of keys) chargeItem(table, schema, key, 'readUnits', itemReadUnits([items.get(idOf(table, schema, key))], consistent ? 'strong' : 'eventual'));
            }
            return answer;
          }
          case 'TransactGetItems': {
            const answer = await forwardOnce(body);
            if (answer.status !== 200) return answer;
            const gets = ((body.TransactItems ?? []) as { Get?: Body }[]).map((item) => item.Get ?? {});
            const responses = (answer.json?.Responses ?? []) as { Item?: Item }[];
            const metered = gets.map((get, index) => ({ get, index, table: get.TableName as string, schema: schemaOf(get.TableName) })).filter((entry) => entry.schema);
            const trimmed = metered.filter((entry) => hasProjection(entry.get));
            const whole = trimmed.length ? await shadowBatchGet(trimmed.map((entry) => ({ table: entry.table, schema: entry.schema as TableSchema, key: entry.get.Key as Key }))) : new Map<string, Item>();
            for (const entry of metered) {
              const schema = entry.schema as TableSchema;
              const item = hasProjection(entry.get) ? whole.get(idOf(entry.table, schema, entry.get.Key as Key)) : responses[entry.index]?.Item;
              chargeItem(entry.table, schema, entry.get.Key as Key, 'readUnits', itemReadUnits([item], 'transactional'));
            }
            return answer;
          }
          case 'PutItem':
          case 'DeleteItem': {
            const schema = schemaOf(body.TableName);
            const table = body.TableName as string;
            const key = schema ? keyOf(schema, operation === 'PutItem' ? body.Item : body.Key) : undefined;
            if (!schema || !key) {
              if (schema) charge(table, 'unmeteredRequests', 1);
              return forwardOnce(body);
            }
            written.push(idOf(table, schema, key));
            const release = await lock([idOf(table, schema, key)]);
            try {
              const addsReturn = body.ReturnValues === undefined || body.ReturnValues === 'NONE';
              const conditional = body.ConditionExpression !== undefined || body.Expected !== undefined;
              const addsOnFailure = conditional && (body.ReturnValuesOnConditionCheckFailure === undefined || body.ReturnValuesOnConditionCheckFailure === 'NONE');
              const answer = await forwardOnce({
                ...body,
                ...(addsReturn ? { ReturnValues: 'ALL_OLD' } : {}),
                ...(addsOnFailure ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
              });
              if (answer.status === 200) {
                const before = answer.json?.Attributes as Item | undefined;
                chargeWrite(table, schema, key, { kind: operation === 'PutItem' ? 'put' : 'delete', before, after: body.Item as Item | undefined }, false);
                remember(idOf(table, schema, key), operation === 'PutItem' ? (body.Item as Item) : undefined);
                return addsReturn ? withoutAdded(answer, ['Attributes']) : answer;
              }
              if (errorType(answer.json) === 'ConditionalCheckFailedException') {
                chargeItem(table, schema, key, 'refusedWriteUnits', refusedWriteUnits(answer.json?.Item as Item | undefined));
                return addsOnFailure ? withoutAdded(answer, ['Item']) : answer;
              }
              forget([idOf(table, schema, key)]);
              return answer;
            } finally {
              release();
            }
          }
          case 'UpdateItem': {
            const schema = schemaOf(body.TableName);
            const table = body.TableName as string;
            const key = schema ? keyOf(schema, body.Key) : undefined;
            if (!schema || !key) {
              if (schema) charge(table, 'unmeteredRequests', 1);
              return forwardOnce(body);
            }
            const id = idOf(table, schema, key);
            written.push(id);
            const release = await lock([id]);
            try {
              const remembered = known(schema, id);
              const before = remembered === 'unknown' ? await shadowGet(table, key) : remembered;
              const asked = body.ReturnValues ?? 'NONE';
              const returnsAfter = asked === 'NONE' || asked === 'ALL_NEW';
              const answer = await forwardOnce(returnsAfter ? { ...body, ReturnValues: 'ALL_NEW' } : body);
              if (answer.status === 200) {
                const after = returnsAfter ? (answer.json?.Attributes as Item | undefined) : await shadowGet(table, key);
                chargeWrite(table, schema, key, { kind: 'update', before, after }, false);
                remember(id, after);
                return asked === 'NONE' ? withoutAdded(answer, ['Attributes']) : answer;
              }
              if (errorType(answer.json) === 'ConditionalCheckFailedException') chargeItem(table, schema, key, 'refusedWriteUnits', refusedWriteUnits(before));
              else forget([id]);
              return answer;
            } finally {
              release();
            }
          }
          case 'TransactWriteItems': {
            const entries = ((body.TransactItems ?? []) as Record<string, Body>[]).flatMap((item) =>
              Object.entries(item).map(([action, request]) => {
                const schema = schemaOf(request.TableName);
                const key = schema ? keyOf(schema, action === 'Put' ? request.Item : request.Key) : undefined;
                return { action, request, table: request.TableName as string, schema, key };
              }),
            );
            const metered = entries.filter((entry) => entry.schema && entry.key) as (Omit<(typeof entries)[number], 'schema' | 'key'> & { schema: TableSchema; key: Key })[];
            for (const entry of entries) if (entry.schema && !entry.key) charge(entry.table, 'unmeteredRequests', 1);
            if (!metered.length) return forwardOnce(body);
            const ids = metered.map((entry) => idOf(entry.table, entry.schema, entry.key));
            written.push(...ids);
            const release = await lock(ids);
            try {
              // A Put conditioned only on its item's absence had no item before if the transaction commits: its
              // image is read only if it does not (cancelled, or a token's replay), when nothing has changed.
              const deferred = metered.filter((entry) => entry.action === 'Put' && requiresAbsence(entry.request, entry.schema) && known(entry.schema, idOf(entry.table, entry.schema, entry.key)) === 'unknown');
              const before = await imagesBefore(metered.filter((entry) => !deferred.includes(entry)));
              const readDeferred = async () => {
                if (deferred.length) for (const [id, item] of await shadowBatchGet(deferred)) before.set(id, item);
              };
              const imageBefore = (entry: (typeof metered)[number]) => before.get(idOf(entry.table, entry.schema, entry.key));
              const answer = await forwardOnce(body);
              const token = typeof body.ClientRequestToken === 'string' ? `${namespace}\u0000${body.ClientRequestToken}` : undefined;
              if (answer.status === 200) {
                if (token && (succeededTokens.get(token) ?? 0) > Date.now()) {
                  await readDeferred();
                  for (const entry of metered) chargeItem(entry.table, entry.schema, entry.key, 'readUnits', transactionReplayReadUnits([imageBefore(entry)]));
                  return answer;
                }
                // An Update's after image: applied here to its before image where the expression is one
                // appliedUpdate knows (bench/lib/update-expression.ts), read again otherwise.
                const after = new Map<string, Item>();
                const unapplied = metered.filter((entry) => {
                  if (entry.action !== 'Update') return false;
                  const applied = appliedUpdate(imageBefore(entry), entry.request);
                  if (applied) after.set(idOf(entry.table, entry.schema, entry.key), applied);
                  return !applied;
                });
                if (unapplied.length) for (const [id, item] of await shadowBatchGet(unapplied)) after.set(id, item);
                for (const entry of metered) {
                  const kind = entry.action === 'Put' ? 'put' : entry.action === 'Update' ? 'update' : entry.action === 'Delete' ? 'delete' : 'condition-check';
                  const imageAfter =
                    entry.action === 'Put' ? (entry.request.Item as Item) : entry.action === 'ConditionCheck' ? imageBefore(entry) : after.get(idOf(entry.table, entry.schema, entry.key));
                  chargeWrite(entry.table, entry.schema, entry.key, { kind, before: imageBefore(entry), after: imageAfter }, true);
                  remember(idOf(entry.table, entry.schema, entry.key), imageAfter);
                }
                if (token) {
                  const now = Date.now();
                  if (succeededTokens.size > 1000) for (const [seen, expiry] of succeededTokens) if (expiry <= now) succeededTokens.delete(seen);
                  succeededTokens.set(token, now + TOKEN_WINDOW_MS);
                }
                return answer;
              }
              if (errorType(answer.json) === 'TransactionCanceledException') {
                await readDeferred();
                for (const entry of metered) chargeItem(entry.table, entry.schema, entry.key, 'cancelledTransactionWriteUnits', cancelledTransactionItemUnits(imageBefore(entry)));
              } else {
                forget(ids);
              }
              return answer;
            } finally {
              release();
            }
          }
          case 'BatchWriteItem': {
            const entries = Object.entries((body.RequestItems ?? {}) as Record<string, Body[]>).flatMap(([table, requests]) =>
              requests.map((request) => {
                const schema = schemaOf(table);
                const put = request.PutRequest as Body | undefined;
                const key = schema ? keyOf(schema, put ? put.Item : (request.DeleteRequest as Body | undefined)?.Key) : undefined;
                return { table, schema, key, after: put?.Item as Item | undefined, kind: put ? ('put' as const) : ('delete' as const) };
              }),
            );
            const metered = entries.filter((entry) => entry.schema && entry.key) as (Omit<(typeof entries)[number], 'schema' | 'key'> & { schema: TableSchema; key: Key })[];
            if (!metered.length) return forwardOnce(body);
            const ids = metered.map((entry) => idOf(entry.table, entry.schema, entry.key));
            written.push(...ids);
            const release = await lock(ids);
            try {
              const before = await imagesBefore(metered);
              const answer = await forwardOnce(body);
              if (answer.status !== 200) {
                forget(ids);
                return answer;
              }
              const unprocessed = new Set(
                Object.entries((answer.json?.UnprocessedItems ?? {}) as Record<string, Body[]>).flatMap(([table, requests]) => {
                  const schema = schemas[table];
                  if (!schema) return [];
                  return requests.map((request) => idOf(table, schema, keyOf(schema, (request.PutRequest as Body | undefined)?.Item ?? (request.DeleteRequest as Body | undefined)?.Key) ?? {}));
                }),
              );
              for (const entry of metered) {
                const id = idOf(entry.table, entry.schema, entry.key);
                if (unprocessed.has(id)) continue;
                chargeWrite(entry.table, entry.schema, entry.key, { kind: entry.kind, before: before.get(id), after: entry.after }, false);
                remember(id, entry.after);
              }
              return answer;
            } finally {
              release();
            }
          }
          default:
            return forwardOnce(body);
        }
      };

      try {
        return { ...(await meter()), charges, partitions: [...partitions.values()] };
      } catch (error) {
        // Whatever the request may have changed is no longer known.
        forget(written);
        if (!(error instanceof ShadowReadError)) throw error;
        // The images could not be read: the request is passed on (once) and counted as unmetered.
        const unmetered: TableCharges = Object.fromEntries(tablesOf(operation, body).filter((table) => schemas[table]).map((table) => [table, { unmeteredRequests: 1 }]));
        return { ...(forwarded ?? (await send(body))), charges: unmetered, partitions: [] };
      }
    },
  };
};
