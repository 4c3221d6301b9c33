import type { EventPage } from '../../lambdas/domain/events';
import { newWebhookSecret } from '../../lambdas/domain/webhook-signature';
import { MAX_WEBHOOK_ENDPOINTS, type AttemptResult, type WebhookEndpoint, WebhookEndpointLimitError } from '../../lambdas/domain/webhooks';
import { StaleVersionError } from '../../lambdas/domain/errors';
import type { DeliveryRecord, EventStore, PageRange } from '../../lambdas/ports/event-store';
import type { DeliveryQueue, DeliveryTask, SignedRequest, WebhookSecretBox, WebhookSender } from '../../lambdas/ports/webhook-delivery';
import type { WebhookEndpointRepository } from '../../lambdas/ports/webhook-endpoints';

/** Small in-memory ports for the events and webhooks use cases (the DynamoDB adapters run in integration tests). */
export class InMemoryEventStore implements EventStore {
  readonly pages = new Map<string, EventPage>();
  readonly deliveries: DeliveryRecord[] = [];

  async putPages(pages: readonly EventPage[]): Promise<void> {
    for (const page of pages) this.pages.set(`${page.merchantId}|${page.key}`, page);
  }

  async getPage(merchantId: string, pageKey: string): Promise<EventPage | undefined> {
    return this.pages.get(`${merchantId}|${pageKey}`);
  }

  async *pagesNewestFirst(merchantId: string, range: PageRange): AsyncIterable<EventPage> {
    const mine = [...this.pages.values()].filter((page) => page.merchantId === merchantId && page.lastMs >= range.fromMs && page.lastMs <= range.toMs);
    yield* mine.sort((a, b) => (a.key < b.key ? 1 : -1));
  }

  async *pagesOldestFirst(merchantId: string, range: PageRange): AsyncIterable<EventPage> {
    const mine = [...this.pages.values()].filter((page) => page.merchantId === merchantId && page.lastMs >= range.fromMs && page.lastMs <= range.toMs);
    yield* mine.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async putDeliveryRecord(record: DeliveryRecord): Promise<void> {
    this.deliveries.push(record);
  }

  async deliveryRecords(merchantId: string, pageKey: string): Promise<readonly DeliveryRecord[]> {
    return this.deliveries.filter((record) => record.merchantId === merchantId && record.pageKey === pageKey);
  }
}

export class InMemoryWebhookEndpoints implements WebhookEndpointRepository {
  readonly items = new Map<string, WebhookEndpoint>();

  async insert(endpoint: WebhookEndpoint) {
    const existing = this.items.get(endpoint.id);
    if (existing) return { created: false, endpoint: existing };
    if ((await this.list(endpoint.merchantId)).length >= MAX_WEBHOOK_ENDPOINTS) throw new WebhookEndpointLimitError(endpoint.merchantId);
    this.items.set(endpoint.id, endpoint);
    return { created: true, endpoint };
  }

  async get(merchantId: string, id: string) {
    const endpoint = this.items.get(id);
    return endpoint?.merchantId === merchantId ? endpoint : undefined;
  }

  async list(merchantId: string) {
    return [...this.items.values()].filter((endpoint) => endpoint.merchantId === merchantId);
  }

  async update(next: WebhookEndpoint) {
    if (this.items.get(next.id)?.version !== next.version - 1) throw new StaleVersionError(next.id, next.version - 1);
    this.items.set(next.id, next);
  }

  async remove(merchantId: string, id: string) {
    if (!(await this.get(merchantId, id))) return false;
    return this.items.delete(id);
  }

  async markFailing(_merchantId: string, id: string, since: string, failure: string) {
    const endpoint = this.items.get(id);
    if (endpoint && !endpoint.failingSince) this.items.set(id, { ...endpoint, failingSince: since, lastFailure: failure });
  }

  async clearFailing(_merchantId: string, id: string) {
    const endpoint = this.items.get(id);
    if (endpoint?.failingSince) this.items.set(id, { ...endpoint, failingSince: null });
  }

  async disableFailing(_merchantId: string, id: string, at: string, failure: string) {
    const endpoint = this.items.get(id);
    if (endpoint?.status === 'enabled' && endpoint.failingSince) {
      this.items.set(id, { ...endpoint, status: 'disabled', disabledReason: 'failing', disabledAt: at, lastFailure: failure });
    }
  }
}

/** Keeps secrets "encrypted" as their UTF-8 bytes: the envelope cipher is tested on its own. */
export class PlainSecretBox implements WebhookSecretBox {
  opened = 0;

  async create(): Promise<{ secret: string; ciphertext: Uint8Array }> {
    const secret = newWebhookSecret();
    return { secret, ciphertext: Uint8Array.from(Buffer.from(secret, 'utf8')) };
  }

  async open(_merchantId: string, _endpointId: string, _version: number, ciphertext: Uint8Array): Promise<string> {
    this.opened += 1;
    return Buffer.from(ciphertext).toString('utf8');
  }
}

/** Answers each request with the next scripted result (the last one repeats) and keeps what it was sent. */
export class ScriptedSender implements WebhookSender {
  readonly sent: SignedRequest[] = [];

  constructor(private readonly script: AttemptResult[] = [{ status: 200, latencyMs: 12, error: null }]) {}

  async send(request: SignedRequest): Promise<AttemptResult> {
    this.sent.push(request);
    return (this.script.length > 1 ? this.script.shift() : this.script[0]) as AttemptResult;
  }
}

export class RecordingQueue implements DeliveryQueue {
  readonly enqueued: { task: DeliveryTask; delaySeconds: number }[] = [];

  readonly postponed: { receiptHandle: string; seconds: number }[] = [];

  async enqueue(tasks: readonly { task: DeliveryTask; delaySeconds: number }[]): Promise<void> {
    this.enqueued.push(...tasks);
  }

  async postpone(receiptHandle: string, seconds: number): Promise<void> {
    this.postponed.push({ receiptHandle, seconds });
  }
}
