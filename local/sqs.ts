import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { deployment } from '../platform/deployment';
import type { FunctionKey } from '../platform/functions';
import { type QueueDeclaration, type QueueKey, queueKeys, queueName, queueUrlEnvVar, queues } from '../platform/queues';
import { readBody } from './http-body';

/**
 * The local stand-in for SQS and for Lambda's SQS event source mapping: the queues of platform/queues.ts,
 * each with its dead-letter queue, their messages in SQLite (a file under the state directory, or memory),
 * served to the handlers' unchanged `@aws-sdk/client-sqs` through AWS_ENDPOINT_URL_SQS (the JSON protocol:
 * SendMessage(Batch), ChangeMessageVisibility(Batch), ReceiveMessage, DeleteMessage(Batch), GetQueueUrl,
 * GetQueueAttributes), and delivered to each queue's consumer function as Lambda would: batches of up to
 * `batchSize`, at most `maxConcurrency` invocations at once, a message hidden for the visibility timeout
 * while its batch runs, the batch's `batchItemFailures` kept (everything else deleted), the whole batch kept
 * when the invocation fails, and a message received more than `maxReceiveCount` times moved to the
 * dead-letter queue.
 *
 * Written here rather than taken from an SQS emulator package: the handlers need only these calls, the
 * benchmark needs every billable request counted (per 64 KB chunk, as AWS bills) and attributed, and the
 * consumer side (the event source mapping) exists in no emulator; one process, no Java, no Docker.
 *
 * Fairness: messages carry a MessageGroupId (the webhook endpoint); as SQS fair queues do, a batch is filled
 * from the groups with the fewest messages in flight first, so one endpoint's backlog or slowness does not
 * hold back the others'.
 */
export interface LocalQueueCounts {
  /** Billable requests by action (a send of N 64 KB chunks counts N), summed over queues. */
  readonly requests: Record<string, number>;
  /** The same, per tag (`classify` of the messages each request carried; split evenly within a request). */
  readonly byTag: Record<string, Record<string, number>>;
  /** Messages moved to a dead-letter queue. */
  readonly deadLettered: number;
}

export interface LocalSqs {
  readonly url: string;
  /** The queue URL a function gets in `<KEY>_QUEUE_URL`. */
  queueUrl(key: QueueKey): string;
  /** `<KEY>_QUEUE_URL` for every declared queue. */
  readonly environment: Record<string, string>;
  counts(): LocalQueueCounts;
  /** Visible + delayed + in flight, per queue (dead-letter queues as `<name>-dlq`). */
  depth(): Record<string, number>;
  /** Resolves once every declared queue is empty and no batch is running (or after `timeoutMs`: false). */
  drain(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export interface LocalSqsOptions {
  readonly store: string | ':memory:';
  readonly invoke: (key: FunctionKey, event: SQSEvent) => Promise<unknown>;
  /** Port of the SQS endpoint; 0 = any. */
  readonly port?: number;
  /** Tags a message body for the counts (the benchmark's attribution). */
  readonly classify?: (body: string) => string;
  readonly onError?: (queue: string, error: unknown) => void;
}

const ACCOUNT = '000000000000';
const CHUNK = 64 * 1024;
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

interface Row {
  id: string;
  queue: string;
  body: string;
  group_id: string | null;
  visible_at: number;
  receive_count: number;
  sent_at: number;
  receipt: string | null;
  first_received_at: number | null;
}

class SqsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const startLocalSqs = async (options: LocalSqsOptions): Promise<LocalSqs> => {
  if (options.store !== ':memory:') mkdirSync(dirname(options.store), { recursive: true });
  const db = new DatabaseSync(options.store);
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, queue TEXT NOT NULL, body TEXT NOT NULL, group_id TEXT, visible_at INTEGER NOT NULL,
      receive_count INTEGER NOT NULL DEFAULT 0, sent_at INTEGER NOT NULL, receipt TEXT, first_received_at INTEGER);
    CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue, visible_at);`);
  const insert = db.prepare('INSERT INTO messages (id, queue, body, group_id, visible_at, sent_at) VALUES (?, ?, ?, ?, ?, ?)');
  const byReceipt = db.prepare('SELECT * FROM messages WHERE receipt = ?');
  const setVisibility = db.prepare('UPDATE messages SET visible_at = ? WHERE receipt = ?');
  const removeByReceipt = db.prepare('DELETE FROM messages WHERE receipt = ?');
  const visible = db.prepare('SELECT * FROM messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, sent_at LIMIT 500');
  const receive = db.prepare('UPDATE messages SET receipt = ?, receive_count = receive_count + 1, visible_at = ?, first_received_at = COALESCE(first_received_at, ?) WHERE id = ?');
  const moveToQueue = db.prepare('UPDATE messages SET queue = ?, visible_at = ?, receipt = NULL WHERE id = ?');
  const nextVisible = db.prepare('SELECT MIN(visible_at) AS next FROM messages WHERE queue = ?');
  const countQueue = db.prepare('SELECT COUNT(*) AS n FROM messages WHERE queue = ?');

  const requests: Record<string, number> = {};
  const byTag: Record<string, Record<string, number>> = {};
  let deadLettered = 0;
  const bill = (action: string, units: number, bodies: readonly string[] = []) => {
    requests[action] = (requests[action] ?? 0) + units;
    if (!options.classify || bodies.length === 0) return;
    for (const body of bodies) {
      const tag = options.classify(body);
      const counts = (byTag[tag] ??= {});
      counts[action] = (counts[action] ?? 0) + units / bodies.length;
    }
  };
  const chunks = (bodies: readonly string[]) => Math.max(1, Math.ceil(bodies.reduce((sum, body) => sum + Buffer.byteLength(body, 'utf8'), 0) / CHUNK));

  let baseUrl = '';
  const names = new Map<string, { key: QueueKey; declaration: QueueDeclaration; dlq: boolean }>();
  for (const key of queueKeys) {
    names.set(queueName(key), { key, declaration: queues[key], dlq: false });
    names.set(`${queueName(key)}-dlq`, { key, declaration: queues[key], dlq: true });
  }
  const queueOfUrl = (url: unknown): string => {
    const name = String(url ?? '').split('/').pop() ?? '';
    if (!names.has(name)) throw new SqsError('AWS.SimpleQueueService.NonExistentQueue', `The specified queue does not exist: ${String(url)}`);
    return name;
  };

  const wake = new Set<() => void>();
  const notify = () => {
    for (const resume of wake) resume();
    wake.clear();
  };

  const send = (queue: string, body: unknown, delaySeconds: unknown, groupId: unknown) => {
    if (typeof body !== 'string' || body.length === 0) throw new SqsError('InvalidParameterValue', 'MessageBody is required');
    const delay = delaySeconds === undefined ? 0 : Number(delaySeconds);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) throw new SqsError('InvalidParameterValue', 'DelaySeconds must be 0 to 900');
    const id = randomUUID();
    const now = Date.now();
    insert.run(id, queue, body, typeof groupId === 'string' ? groupId : null, now + delay * 1000, now);
    return { MessageId: id, MD5OfMessageBody: md5(body) };
  };

  const changeVisibility = (queue: string, receipt: unknown, timeout: unknown) => {
    const seconds = Number(timeout);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) throw new SqsError('InvalidParameterValue', 'VisibilityTimeout must be 0 to 43200');
    const row = byReceipt.get(String(receipt)) as Row | undefined;
    if (!row || row.queue !== queue) throw new SqsError('ReceiptHandleIsInvalid', 'The receipt handle is not valid');
    setVisibility.run(Date.now() + seconds * 1000, String(receipt));
  };

  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetQueueUrl: (input) => {
      const name = String(input.QueueName ?? '');
      if (!names.has(name)) throw new SqsError('AWS.SimpleQueueService.NonExistentQueue', `The specified queue does not exist: ${name}`);
      return { QueueUrl: `${baseUrl}/${ACCOUNT}/${name}` };
    },
    SendMessage: (input) => {
      const queue = queueOfUrl(input.QueueUrl);
      bill('SendMessage', chunks([String(input.MessageBody ?? '')]), [String(input.MessageBody ?? '')]);
      const result = send(queue, input.MessageBody, input.DelaySeconds, input.MessageGroupId);
      notify();
      return result;
    },
    SendMessageBatch: (input) => {
      const queue = queueOfUrl(input.QueueUrl);
      const entries = (input.Entries as Record<string, unknown>[] | undefined) ?? [];
      if (entries.length === 0 || entries.length > 10) throw new SqsError('AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 'A batch holds 1 to 10 entries');
      const bodies = entries.map((entry) => String(entry.MessageBody ?? ''));
      bill('SendMessageBatch', chunks(bodies), bodies);
      const Successful = entries.map((entry) => ({ Id: entry.Id, ...send(queue, entry.MessageBody, entry.DelaySeconds, entry.MessageGroupId) }));
      notify();
      return { Successful, Failed: [] };
    },
    ChangeMessageVisibility: (input) => {
      const queue = queueOfUrl(input.QueueUrl);
      const row = byReceipt.get(String(input.ReceiptHandle)) as Row | undefined;
      bill('ChangeMessageVisibility', 1, row ? [row.body] : []);
      changeVisibility(queue, input.ReceiptHandle, input.VisibilityTimeout);
      return {};
    },
    ChangeMessageVisibilityBatch: (input) => {
      const queue = queueOfUrl(input.QueueUrl);
      bill('ChangeMessageVisibilityBatch', 1);
      const entries = (input.Entries as Record<string, unknown>[] | undefined) ?? [];
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of entries) {
        try {
          changeVisibility(queue, entry.ReceiptHandle, entry.VisibilityTimeout);
          Successful.push({ Id: entry.Id });
        } catch (error) {
          Failed.push({ Id: entry.Id, Code: (error as SqsError).type, Message: (error as Error).message, SenderFault: true });
        }
      }
      return { Successful, Failed };
    },
    ReceiveMessage: (input) => {
      const queue = queueOfUrl(input.QueueUrl);
      bill('ReceiveMessage', 1);
      const max = Math.min(10, Math.max(1, Number(input.MaxNumberOfMessages ?? 1)));
      const timeout = input.VisibilityTimeout === undefined ? names.get(queue)?.declaration.visibilityTimeoutSeconds ?? 30 : Number(input.VisibilityTimeout);
      const rows = (visible.all(queue, Date.now()) as unknown as Row[]).slice(0, max);
      return { Messages: rows.map((row) => receiveRow(row, timeout)).map((row) => ({ MessageId: row.id, ReceiptHandle: row.receipt, MD5OfBody: md5(row.body), Body: row.body })) };
    },
    DeleteMessage: (input) => {
      queueOfUrl(input.QueueUrl);
      bill('DeleteMessage', 1);
      removeByReceipt.run(String(input.ReceiptHandle));
      return {};
    },
    DeleteMessageBatch: (input) => {
      queueOfUrl(input.QueueUrl);
      bill('DeleteMessageBatch', 1);
      const entries = (input.Entries as Record<string, unknown>[] | undefined) ?? [];
      for (const entry of entries) removeByReceipt.run(String(entry.ReceiptHandle));
      return { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
    },
    GetQueueAttributes: (input) => {
      const queue = queueOfUrl(input.QueueUrl);
      const now = Date.now();
      const all = db.prepare('SELECT visible_at, receipt FROM messages WHERE queue = ?').all(queue) as unknown as Row[];
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(all.filter((row) => row.visible_at <= now).length),
          ApproximateNumberOfMessagesNotVisible: String(all.filter((row) => row.visible_at > now && row.receipt).length),
          ApproximateNumberOfMessagesDelayed: String(all.filter((row) => row.visible_at > now && !row.receipt).length),
        },
      };
    },
  };

  const receiveRow = (row: Row, visibilitySeconds: number): Row => {
    const receipt = randomUUID();
    const now = Date.now();
    receive.run(receipt, now + visibilitySeconds * 1000, now, row.id);
    return { ...row, receipt, receive_count: row.receive_count + 1, first_received_at: row.first_received_at ?? now };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const action = String(request.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    const raw = await readBody(request, { maxBytes: 1024 * 1024, tooLarge: () => new SqsError('InvalidParameterValue', 'request too large'), onExcess: 'destroy' });
    let status = 200;
    let answer: unknown;
    try {
      const run = actions[action];
      if (!run) throw new SqsError('UnsupportedOperation', `${action || 'this action'} is not served by the local SQS`);
      answer = run(JSON.parse(raw || '{}') as Record<string, unknown>);
    } catch (error) {
      status = error instanceof SqsError ? error.status : 500;
      answer = { __type: `com.amazonaws.sqs#${error instanceof SqsError ? error.type : 'InternalError'}`, message: (error as Error).message };
    }
    const body = JSON.stringify(answer);
    response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(body), 'x-amzn-RequestId': randomUUID() });
    response.end(body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const queueUrl = (key: QueueKey) => `${baseUrl}/${ACCOUNT}/${queueName(key)}`;

  // ---- The event source mapping: one consumer loop per declared queue ----
  let stopped = false;
  const running = new Set<Promise<void>>();
  const inFlightByGroup = new Map<string, number>();
  const loops: Promise<void>[] = [];

  const eventOf = (key: QueueKey, rows: readonly Row[]): SQSEvent => ({
    Records: rows.map((row) => ({
      messageId: row.id,
      receiptHandle: row.receipt as string,
      body: row.body,
      attributes: {
        ApproximateReceiveCount: String(row.receive_count),
        SentTimestamp: String(row.sent_at),
        SenderId: ACCOUNT,
        ApproximateFirstReceiveTimestamp: String(row.first_received_at ?? Date.now()),
        ...(row.group_id ? { MessageGroupId: row.group_id } : {}),
      },
      messageAttributes: {},
      md5OfBody: md5(row.body),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${deployment.primaryRegion}:${ACCOUNT}:${queueName(key)}`,
      awsRegion: deployment.primaryRegion,
    })),
  });

  const consume = async (key: QueueKey) => {
    const declaration: QueueDeclaration = queues[key];
    const name = queueName(key);
    while (!stopped) {
      if (running.size >= declaration.maxConcurrency) {
        await Promise.race(running);
        continue;
      }
      const now = Date.now();
      const candidates = visible.all(name, now) as unknown as Row[];
      if (candidates.length === 0) {
        const next = (nextVisible.get(name) as { next: number | null }).next;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, next === null ? 1000 : Math.max(5, Math.min(1000, next - Date.now())));
          wake.add(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        continue;
      }
      // Fair: the groups with the fewest messages in flight first, one message per group per round.
      const byGroup = new Map<string, Row[]>();
      for (const row of candidates) {
        const group = row.group_id ?? row.id;
        byGroup.set(group, [...(byGroup.get(group) ?? []), row]);
      }
      const order = [...byGroup.keys()].sort((a, b) => (inFlightByGroup.get(a) ?? 0) - (inFlightByGroup.get(b) ?? 0));
      const batch: Row[] = [];
      for (let round = 0; batch.length < declaration.batchSize; round += 1) {
        let took = false;
        for (const group of order) {
          const row = byGroup.get(group)?.[round];
          if (row && batch.length < declaration.batchSize) {
            batch.push(row);
            took = true;
          }
        }
        if (!took) break;
      }
      const deliver: Row[] = [];
      for (const row of batch) {
        if (row.receive_count >= declaration.maxReceiveCount) {
          moveToQueue.run(`${name}-dlq`, Date.now(), row.id);
          deadLettered += 1;
          continue;
        }
        deliver.push(receiveRow(row, declaration.visibilityTimeoutSeconds));
      }
      if (deliver.length === 0) continue;
      bill('ReceiveMessage', 1, deliver.map((row) => row.body));
      const groups = deliver.map((row) => row.group_id ?? row.id);
      for (const group of groups) inFlightByGroup.set(group, (inFlightByGroup.get(group) ?? 0) + 1);
      const run = (async () => {
        try {
          const result = (await options.invoke(declaration.consumer as FunctionKey, eventOf(key, deliver))) as SQSBatchResponse | undefined;
          const failed = new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
          const done = deliver.filter((row) => !failed.has(row.id));
          for (const row of done) removeByReceipt.run(row.receipt as string);
          if (done.length) bill('DeleteMessageBatch', 1, done.map((row) => row.body));
        } catch (error) {
          // The whole batch stays; each message comes back when its visibility timeout ends.
          options.onError?.(name, error);
        } finally {
          for (const group of groups) inFlightByGroup.set(group, (inFlightByGroup.get(group) ?? 1) - 1);
          notify();
        }
      })();
      running.add(run);
      void run.finally(() => running.delete(run));
    }
  };
  for (const key of queueKeys) loops.push(consume(key));

  const depth = () => {
    const result: Record<string, number> = {};
    for (const name of names.keys()) result[name] = (countQueue.get(name) as { n: number }).n;
    return result;
  };

  return {
    url: baseUrl,
    queueUrl,
    environment: Object.fromEntries(queueKeys.map((key) => [queueUrlEnvVar(key), queueUrl(key)])),
    counts: () => structuredClone({ requests, byTag, deadLettered }),
    depth,
    drain: async (timeoutMs) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const pending = queueKeys.reduce((sum, key) => sum + (countQueue.get(queueName(key)) as { n: number }).n, 0);
        if (pending === 0 && running.size === 0) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    },
    stop: async () => {
      stopped = true;
      notify();
      await Promise.allSettled([...running]);
      await Promise.allSettled(loops);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      db.close();
    },
  };
};
