import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * DynamoDB's transaction isolation, emulated in front of DynamoDB Local. DynamoDB cancels a
 * TransactWriteItems with `TransactionConflict` when an item in it is part of another transaction still
 * in progress (a write or a TransactGetItems), and a TransactGetItems when an item in it is part of a
 * TransactWriteItems in progress; two transactional reads of one item do not conflict. DynamoDB Local
 * never conflicts, it just serializes, so a hot item costs nothing there and a hot-account design can be
 * neither measured nor tested. This proxy holds the item keys of every transaction it forwards until
 * DynamoDB Local answers, and cancels a transaction that touches a held item by those rules, answering
 * exactly as DynamoDB does (400, TransactionCanceledException with one cancellation reason per item).
 * Everything else is forwarded byte for byte.
 *
 * Item identity is the table name plus the request's `Key`, or for a Put the platform's key attributes
 * (`pk`, `sk`: every declared table uses them, or `id` for the idempotency table).
 */
export interface TransactionConflictProxy {
  readonly endpoint: string;
  /** Transactions forwarded and transactions cancelled with TransactionConflict. */
  readonly counts: { forwarded: number; conflicts: number };
  stop(): Promise<void>;
}

type AttributeMap = Record<string, unknown>;
interface TransactItem {
  Put?: { TableName: string; Item: AttributeMap };
  Update?: { TableName: string; Key: AttributeMap };
  Delete?: { TableName: string; Key: AttributeMap };
  ConditionCheck?: { TableName: string; Key: AttributeMap };
  Get?: { TableName: string; Key: AttributeMap };
}

const KEY_ATTRIBUTES = ['pk', 'sk', 'id'];

const identityOf = (item: TransactItem): string => {
  const operation = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck ?? item.Get;
  if (!operation) return 'unknown';
  const key = 'Key' in operation ? operation.Key : Object.fromEntries(KEY_ATTRIBUTES.filter((name) => name in operation.Item).map((name) => [name, operation.Item[name]]));
  return `${operation.TableName}|${JSON.stringify(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
};

const readAll = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

export const startTransactionConflictProxy = async (target: string): Promise<TransactionConflictProxy> => {
  const held = { write: new Map<string, number>(), read: new Map<string, number>() };
  const counts = { forwarded: 0, conflicts: 0 };

  const forward = async (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(target, { method: request.method, headers, body: body.length ? body : undefined });
    const answer = Buffer.from(await upstream.arrayBuffer());
    const answerHeaders: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(name)) answerHeaders[name] = value;
    });
    answerHeaders['Content-Length'] = String(answer.length);
    response.writeHead(upstream.status, answerHeaders);
    response.end(answer);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readAll(request);
    const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    if (operation !== 'TransactWriteItems' && operation !== 'TransactGetItems') return forward(request, response, body);

    const items = ((JSON.parse(body.toString('utf8')) as { TransactItems?: TransactItem[] }).TransactItems ?? []).map(identityOf);
    const isWrite = operation === 'TransactWriteItems';
    const conflicting = (identity: string) => held.write.has(identity) || (isWrite && held.read.has(identity));
    if (items.some(conflicting)) {
      counts.conflicts += 1;
      const payload = JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${items.map((identity) => (conflicting(identity) ? 'TransactionConflict' : 'None')).join(', ')}]`,
        CancellationReasons: items.map((identity) =>
          conflicting(identity) ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
        ),
      });
      response.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(payload) });
      response.end(payload);
      return;
    }
    const holds = isWrite ? held.write : held.read;
    for (const identity of items) holds.set(identity, (holds.get(identity) ?? 0) + 1);
    counts.forwarded += 1;
    try {
      await forward(request, response, body);
    } finally {
      for (const identity of items) {
        const remaining = (holds.get(identity) ?? 1) - 1;
        if (remaining <= 0) holds.delete(identity);
        else holds.set(identity, remaining);
      }
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
