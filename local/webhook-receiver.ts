import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { readBody } from './http-body';

/**
 * A webhook receiver for trying the platform's webhooks locally (`npm start` prints how) and for the
 * benchmark and the `webhook_delivery` drill: any path is an inbox (`/<name>`), which keeps what it receives
 * and verifies each message with the `standardwebhooks` package (the one merchants use), once it has been
 * given the endpoint's secrets. Each inbox can be told to misbehave: answer an error status, answer slowly,
 * hang past the platform's timeout, or reset connections; and the whole receiver can go down (stop
 * listening: connection refused) and come back on the same port.
 *
 *   POST /<inbox>                 a webhook (what the platform sends)
 *   GET  /<inbox>                 what arrived, newest first: id, type, verified, attempts per id
 *   PUT  /<inbox>/secrets         {"secrets": ["whsec_..."]}: verify with these
 *   PUT  /<inbox>/behaviour       {"mode": "ok" | "error" | "slow" | "hang" | "reset", "status": 500, "delay_ms": 2000}
 */
export type Behaviour =
  | { readonly mode: 'ok' }
  | { readonly mode: 'error'; readonly status: number }
  | { readonly mode: 'slow'; readonly delayMs: number }
  | { readonly mode: 'hang' }
  | { readonly mode: 'reset' };

export interface ReceivedWebhook {
  readonly webhookId: string;
  readonly timestamp: string;
  /** The `webhook-signature` header as received (one `v1,...` per signing secret). */
  readonly signature: string;
  readonly type: string | null;
  readonly eventId: string | null;
  /** true: a secret verified it; false: none of the inbox's secrets did; null: the inbox has no secret yet. */
  readonly verified: boolean | null;
  /** What the receiver answered (0: it did not answer). */
  readonly answered: number;
  readonly receivedAt: number;
  readonly body: string;
}

export interface Inbox {
  readonly name: string;
  readonly received: ReceivedWebhook[];
  secrets: string[];
  behaviour: Behaviour;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  inbox(name: string): Inbox;
  /** Stop listening (new connections are refused; open ones are reset) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

const verify = (inbox: Inbox, headers: IncomingMessage['headers'], body: string): boolean | null => {
  if (inbox.secrets.length === 0) return null;
  const wanted = { 'webhook-id': String(headers['webhook-id'] ?? ''), 'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(headers['webhook-signature'] ?? '') };
  return inbox.secrets.some((secret) => {
    try {
      new Webhook(secret).verify(body, wanted);
      return true;
    } catch {
      return false;
    }
  });
};

const json = (response: ServerResponse, status: number, value: unknown) => {
  const body = JSON.stringify(value, null, 2);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
};

export const startWebhookReceiver = async (options: { readonly port?: number } = {}): Promise<WebhookReceiver> => {
  const inboxes = new Map<string, Inbox>();
  const inbox = (name: string): Inbox => {
    let found = inboxes.get(name);
    if (!found) {
      found = { name, received: [], secrets: [], behaviour: { mode: 'ok' } };
      inboxes.set(name, found);
    }
    return found;
  };
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://receiver');
    const parts = url.pathname.split('/').filter(Boolean);
    const name = decodeURIComponent(parts[0] ?? 'default');
    const target = inbox(name);
    const body = await readBody(request, { maxBytes: 1024 * 1024, tooLarge: () => new Error('too large') });
    if (request.method === 'PUT' && parts[1] === 'secrets') {
      const parsed = JSON.parse(body || '{}') as { secrets?: unknown };
      target.secrets = Array.isArray(parsed.secrets) ? parsed.secrets.map(String) : [];
      return json(response, 200, { inbox: name, secrets: target.secrets.length });
    }
    if (request.method === 'PUT' && parts[1] === 'behaviour') {
      const parsed = JSON.parse(body || '{}') as { mode?: string; status?: number; delay_ms?: number };
      target.behaviour =
        parsed.mode === 'error'
          ? { mode: 'error', status: parsed.status ?? 500 }
          : parsed.mode === 'slow'
            ? { mode: 'slow', delayMs: parsed.delay_ms ?? 2000 }
            : parsed.mode === 'hang' || parsed.mode === 'reset'
              ? { mode: parsed.mode }
              : { mode: 'ok' };
      return json(response, 200, { inbox: name, behaviour: target.behaviour });
    }
    if (request.method === 'GET') {
      const attempts = new Map<string, number>();
      for (const message of target.received) attempts.set(message.webhookId, (attempts.get(message.webhookId) ?? 0) + 1);
      return json(response, 200, {
        inbox: name,
        received: target.received.length,
        distinct: attempts.size,
        verified: target.received.filter((message) => message.verified === true).length,
        messages: [...target.received]
          .reverse()
          .slice(0, 100)
          .map(({ body: _body, signature: _signature, ...message }) => ({ ...message, attempts: attempts.get(message.webhookId) })),
      });
    }
    if (request.method !== 'POST') return json(response, 405, { error: 'POST a webhook, GET to read an inbox' });
    let type: string | null = null;
    let eventId: string | null = null;
    try {
      const parsed = JSON.parse(body) as { type?: unknown; id?: unknown };
      type = typeof parsed.type === 'string' ? parsed.type : null;
      eventId = typeof parsed.id === 'string' ? parsed.id : null;
    } catch {
      // Kept as received: the inbox shows it unverified and untyped.
    }
    const behaviour = target.behaviour;
    const record = (answered: number) =>
      target.received.push({
        webhookId: String(request.headers['webhook-id'] ?? ''),
        timestamp: String(request.headers['webhook-timestamp'] ?? ''),
        signature: String(request.headers['webhook-signature'] ?? ''),
        type,
        eventId,
        verified: verify(target, request.headers, body),
        answered,
        receivedAt: Date.now(),
        body,
      });
    if (behaviour.mode === 'reset') {
      record(0);
      request.socket.destroy();
      return;
    }
    if (behaviour.mode === 'hang') {
      record(0);
      hanging.add(response);
      response.on('close', () => hanging.delete(response));
      return;
    }
    if (behaviour.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    const status = behaviour.mode === 'error' ? behaviour.status : 200;
    record(status);
    json(response, status, { received: true });
  };

  let server: Server | undefined;
  let port = options.port ?? 0;
  const listen = async () => {
    const created = createServer((request, response) => {
      handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(400);
        response.end();
      });
    });
    created.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(port, '127.0.0.1', () => resolve());
    });
    port = (created.address() as AddressInfo).port;
    server = created;
  };
  const close = async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    for (const response of hanging) response.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    inbox,
    down: close,
    up: async () => {
      if (!server) await listen();
    },
    stop: close,
  };
};
