import { type EventDraft, pagesOf, selectedBy } from '../../domain/events';
import type { EventStore } from '../../ports/event-store';
import type { DeliveryQueue, DeliveryTask } from '../../ports/webhook-delivery';
import type { WebhookEndpointRepository } from '../../ports/webhook-endpoints';

/**
 * Build the events of one stream batch and the webhook work they make.
 *
 * 1. The batch's drafts (changes that are events, in the order their tables wrote them) go into pages: per
 *    merchant, a page per day, minute of event time and 100 events (domain/events.ts `pagesOf`), named by
 *    the batch, so a batch processed again makes the same pages and the same event ids.
 * 2. The pages are stored (30 days): the events API reads them.
 * 3. For each merchant with events, its endpoints are read once; every enabled endpoint gets one delivery
 *    task per page holding the events it subscribes to, enqueued at once (attempt 1).
 * Nothing here talks to a merchant's server: a slow endpoint holds no stream shard.
 */
export interface BuildEventsDeps {
  readonly events: EventStore;
  readonly endpoints: WebhookEndpointRepository;
  readonly queue: DeliveryQueue;
  readonly now: () => Date;
}

export interface BuildEventsResult {
  readonly events: number;
  readonly pages: number;
  readonly tasks: number;
}

export const buildEvents = async (deps: BuildEventsDeps, batch: { readonly key: string; readonly source: string; readonly drafts: readonly EventDraft[] }): Promise<BuildEventsResult> => {
  const pages = pagesOf(batch.drafts, batch.key);
  if (pages.length === 0) return { events: 0, pages: 0, tasks: 0 };
  await deps.events.putPages(pages);
  const now = deps.now().getTime();
  const tasks: DeliveryTask[] = [];
  for (const merchantId of new Set(pages.map((page) => page.merchantId))) {
    const endpoints = (await deps.endpoints.list(merchantId)).filter((endpoint) => endpoint.status === 'enabled');
    if (endpoints.length === 0) continue;
    for (const page of pages.filter((candidate) => candidate.merchantId === merchantId)) {
      for (const endpoint of endpoints) {
        const indexes = page.events.flatMap((event, index) => (selectedBy(endpoint.enabledEvents, event.type) ? [index] : []));
        if (indexes.length === 0) continue;
        tasks.push({ merchantId, endpointId: endpoint.id, pageKey: page.key, indexes, attempt: 1, kind: 'webhook', dueMs: now, source: batch.source });
      }
    }
  }
  if (tasks.length) await deps.queue.enqueue(tasks.map((task) => ({ task, delaySeconds: 0 })));
  return { events: pages.reduce((sum, page) => sum + page.events.length, 0), pages: pages.length, tasks: tasks.length };
};
