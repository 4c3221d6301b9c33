import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of DynamoDB Local that delays or fails chosen requests, answering exactly as
 * DynamoDB does (HTTP 400 + `__type`). DynamoDB Local never throttles and never raises
 * TransactionConflictException; tests and drills use this to make those paths happen on real traffic.
 * Requests are forwarded byte for byte (DynamoDB Local does not check SigV4 signatures).
 */
export interface DynamoDbFault {
  /** Operation name from X-Amz-Target, e.g. 'PutItem', 'TransactWriteItems'. */
  readonly operation: string;
  /** Only requests whose JSON body passes this test. */
  readonly when?: (request: Record<string, unknown>) => boolean;
  readonly delayMs?: number;
  /** Answer with this DynamoDB error instead of forwarding. */
  readonly error?: { readonly type: string; readonly message?: string; readonly status?: number; readonly extra?: Record<string, unknown> };
  /** Affect at most this many matching requests (default: all). */
  readonly times?: number;
}

export const dynamoDbErrors = {
  transactionConflict: (items = 1) => ({
    type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
    extra: { CancellationReasons: Array.from({ length: items }, () => ({ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' })) },
  }),
  throttled: () => ({
    type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
    message: 'Throughput exceeds the current capacity for one or more global secondary indexes.',
  }),
  internal: () => ({ type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error', status: 500 }),
} as const;

interface ActiveFault extends DynamoDbFault {
  remaining: number;
}

export interface DynamoDbFaultProxy {
  readonly endpoint: string;
  inject(fault: DynamoDbFault): void;
  clear(): void;
  /** Requests seen per operation, and how many a fault affected. */
  readonly counts: { readonly seen: Record<string, number>; readonly faulted: Record<string, number> };
  stop(): Promise<void>;
}

const readAll = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

export const startDynamoDbFaultProxy = async (target: string): Promise<DynamoDbFaultProxy> => {
  let faults: ActiveFault[] = [];
  const counts = { seen: {} as Record<string, number>, faulted: {} as Record<string, number> };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readAll(request);
    const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    counts.seen[operation] = (counts.seen[operation] ?? 0) + 1;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      // Not JSON: forwarded untouched, no fault can match on its body.
    }
    const fault = faults.find((candidate) => candidate.remaining > 0 && candidate.operation === operation && (candidate.when?.(parsed) ?? true));
    if (fault) {
      fault.remaining -= 1;
      counts.faulted[operation] = (counts.faulted[operation] ?? 0) + 1;
      if (fault.delayMs) await new Promise((wait) => setTimeout(wait, fault.delayMs));
      if (fault.error) {
        const payload = JSON.stringify({ __type: fault.error.type, message: fault.error.message ?? fault.error.type, ...fault.error.extra });
        response.writeHead(fault.error.status ?? 400, {
          'Content-Type': 'application/x-amz-json-1.0',
          'x-amzn-RequestId': `fault-${Date.now()}`,
          'Content-Length': Buffer.byteLength(payload),
        });
        response.end(payload);
        return;
      }
    }
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
    inject: (fault) => faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY }),
    clear: () => {
      faults = [];
    },
    counts,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
