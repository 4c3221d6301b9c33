import type { LocalRuntime } from '../../local/runtime';
import type { FunctionKey } from '../../platform/functions';
import { tableName } from '../../platform/tables';
import { type CostBreakdown, type PriceTable, costPerMillionPayments } from './cost-model';
import { type ApiClient, type LatencySummary, summarizeLatencies } from './http';
import { type WindowCounts, billableCountsPer, emptyWindowCounts } from './window-counts';

/**
 * Webhooks in the benchmark (issue 15): each merchant of the mix registers one endpoint subscribed to every
 * event (`*`) on the runtime's receiver (local/webhook-receiver.ts, verifying each message with the
 * published `standardwebhooks` package), before the warm-up, so every event of the window is built and
 * delivered and its cost is in the bill. What the pipeline costs (the stream-triggered `buildEvents`, the
 * queue-triggered `deliverWebhooks`, the `events` table's pages and delivery records, the delivery queue's
 * SQS requests, the KMS requests for the signing secrets) is unattributed by the operation rules
 * (bench/lib/attribution.ts) and so carried by the payments, as the rest of the residual; `webhooks.cost`
 * shows its share of the per-million bill line by line, with the bill's own line ids.
 */
/** A GET is safe to repeat, and a merchant's client repeats a 5xx: so does the report, and counts it. */
const MAX_LISTING_ATTEMPTS = 4;

export const EVENT_PIPELINE_FUNCTIONS: readonly FunctionKey[] = ['buildEvents', 'deliverWebhooks'];

export interface BenchEndpoints {
  readonly endpoints: readonly { readonly merchantId: string; readonly endpointId: string; readonly inbox: string; readonly key: string }[];
  /** Webhooks received so far, per bench inbox. */
  received(): Record<string, number>;
  readonly runtime: LocalRuntime;
}

export const registerBenchEndpoints = async (api: ApiClient, runtime: LocalRuntime): Promise<BenchEndpoints> => {
  const endpoints: { merchantId: string; endpointId: string; inbox: string; key: string }[] = [];
  for (const merchant of runtime.merchants) {
    const inbox = `bench-${merchant.id}`;
    const created = await api.call('webhook_endpoint_create', 'POST', '/v1/webhook_endpoints', {
      key: merchant.api_key,
      idempotencyKey: `bench-endpoint-${merchant.id}-${Date.now()}`,
      body: { url: `${runtime.webhookReceiver.url}/${inbox}`, enabled_events: ['*'], description: 'npm run bench: every event' },
    });
    if (created.status !== 201) throw new Error(`registering the bench's webhook endpoint answered ${created.status}: ${created.text.slice(0, 200)}`);
    runtime.webhookReceiver.inbox(inbox).secrets = [created.json.secret];
    endpoints.push({ merchantId: merchant.id, endpointId: created.json.id, inbox, key: merchant.api_key });
  }
  return {
    endpoints,
    runtime,
    received: () => Object.fromEntries(endpoints.map((endpoint) => [endpoint.inbox, runtime.webhookReceiver.inbox(endpoint.inbox).received.length])),
  };
};

/** The counts of the events pipeline alone: its functions, the events table, the delivery queue, and the residual's KMS requests. */
export const pipelineCounts = (whole: WindowCounts, unattributed: WindowCounts): WindowCounts => {
  const pick = (record: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(record).filter(([key]) => (EVENT_PIPELINE_FUNCTIONS as readonly string[]).includes(key)));
  const events = tableName('events');
  return {
    ...emptyWindowCounts(),
    invocations: pick(whole.invocations),
    billedMs: pick(whole.billedMs),
    dynamoDb: whole.dynamoDb[events] ? { [events]: whole.dynamoDb[events] } : {},
    kms: unattributed.kms,
    sqsRequests: whole.sqsRequests,
    logs: unattributed.logs,
  };
};

export interface WebhookReport {
  readonly endpoints: number;
  readonly enabled_events: readonly string[];
  /** Events the events API lists from the window's start (each merchant's), and those never answered 2xx. */
  readonly events: number;
  readonly delivered: number;
  readonly missed_events: number;
  /** Listings that still failed after MAX_LISTING_ATTEMPTS (the run fails: its events are not known). */
  readonly listing_errors: number;
  /** Answers other than 200 to GET /v1/events that a retry got past, and the first of them (status and body). */
  readonly listing_retries: number;
  readonly listing_failure_samples: readonly string[];
  /**
   * Per endpoint, what its listing read: pages, events listed, those of the window, and the newest and oldest
   * `created_at` seen. Kept to diagnose a listing that finds none of the window's events while their webhooks
   * arrived (page keys that did not sort as their times did, until lambdas/domain/events.ts used base32 in ASCII order).
   */
  readonly listing_reads: readonly { readonly pages: number; readonly listed: number; readonly in_window: number; readonly newest: string | null; readonly oldest: string | null }[];
  readonly event_types: Record<string, number>;
  /**
   * Per event of the window, from its `created_at` (the change it reports) to its first verified 2xx delivery:
   * the stream mapping's batching window, the events builder, the delivery queue and the POST together.
   */
  readonly delivery_latency_ms: LatencySummary;
  /** What the receiver got during the window (warm-up excluded): requests, distinct webhook ids, ids received more than once, failed signatures. */
  readonly window: { readonly webhooks_received: number; readonly distinct: number; readonly duplicate_deliveries: number; readonly unverified: number; readonly answered_non_2xx: number };
  readonly per_payment: {
    readonly webhooks: number;
    readonly events: number;
    readonly lambda_invocations: Record<string, number>;
    readonly events_table_write_units: number;
    readonly events_table_read_units: number;
    readonly sqs_requests: number;
    readonly kms_requests: number;
  };
  /** The pipeline's share of `cost` (already in it): the bill's lines over the pipeline's counts alone. */
  readonly cost: CostBreakdown;
  readonly note: string;
}

export const webhookReport = async (input: {
  readonly api: ApiClient;
  readonly endpoints: BenchEndpoints;
  readonly windowStartedAt: number;
  readonly receivedBefore: Readonly<Record<string, number>>;
  readonly whole: WindowCounts;
  readonly unattributed: WindowCounts;
  readonly payments: number;
  readonly prices: PriceTable;
}): Promise<WebhookReport> => {
  const { api, endpoints, payments } = input;
  const receiver = endpoints.runtime.webhookReceiver;
  // The last events may still be on their way (a stream batch gathered after the drain looked): read once
  // the receiver has had nothing new for 3 s (at most 30 s).
  const total = () => Object.values(endpoints.received()).reduce((sum, count) => sum + count, 0);
  for (let quiet = 0, seen = total(), waited = 0; quiet < 3 && waited < 30; waited += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = total();
    quiet = now === seen ? quiet + 1 : 0;
    seen = now;
  }
  const per = (value: number) => (payments > 0 ? value / payments : 0);
  let events = 0;
  let missed = 0;
  let listingErrors = 0;
  let listingRetries = 0;
  const listingFailures: string[] = [];
  const listingReads: WebhookReport['listing_reads'][number][] = [];
  const eventTypes: Record<string, number> = {};
  const latencies: number[] = [];
  const window = { webhooks_received: 0, distinct: 0, duplicate_deliveries: 0, unverified: 0, answered_non_2xx: 0 };
  for (const endpoint of endpoints.endpoints) {
    const inbox = receiver.inbox(endpoint.inbox);
    const answered = new Set(inbox.received.filter((message) => message.answered >= 200 && message.answered < 300 && message.verified === true).map((message) => message.webhookId));
    /** Each event's first delivery the receiver answered 2xx and verified (a webhook's id is its event's). */
    const firstDelivered = new Map<string, number>();
    for (const message of inbox.received) {
      if (message.answered >= 200 && message.answered < 300 && message.verified === true && !firstDelivered.has(message.webhookId)) {
        firstDelivered.set(message.webhookId, message.receivedAt);
      }
    }
    // The window's messages: those after the ones the inbox had received before it.
    const inWindow = inbox.received.slice(input.receivedBefore[endpoint.inbox] ?? 0);
    const ids = new Map<string, number>();
    for (const message of inWindow) {
      window.webhooks_received += 1;
      if (message.verified !== true) window.unverified += 1;
      if (message.answered < 200 || message.answered >= 300) window.answered_non_2xx += 1;
      ids.set(message.webhookId, (ids.get(message.webhookId) ?? 0) + 1);
    }
    window.distinct += ids.size;
    window.duplicate_deliveries += [...ids.values()].reduce((sum, count) => sum + count - 1, 0);
    // Every event of the window the API lists, by the merchant's key.
    const since = Math.floor(input.windowStartedAt / 1000);
    const reads = { pages: 0, listed: 0, in_window: 0, newest: null as string | null, oldest: null as string | null };
    listingReads.push(reads);
    for (let after: string | undefined; ; ) {
      // Every event, newest first, kept from the window's start on (not `created[gte]`: with it the listing
      // answered 500 in some runs, cause not found; decision 0016).
      const path = `/v1/events?limit=100${after ? `&starting_after=${after}` : ''}`;
      let page = await api.call('webhook_events', 'GET', path, { key: endpoint.key });
      for (let attempt = 1; page.status !== 200 && attempt < MAX_LISTING_ATTEMPTS; attempt += 1) {
        listingRetries += 1;
        if (listingFailures.length < 3) listingFailures.push(`${page.status} ${page.text.slice(0, 300)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
        page = await api.call('webhook_events', 'GET', path, { key: endpoint.key });
      }
      if (page.status !== 200) {
        listingErrors += 1;
        if (listingFailures.length < 3) listingFailures.push(`${page.status} ${page.text.slice(0, 300)}`);
        break;
      }
      const data = page.json.data as { id: string; type: string; created_at: string }[];
      reads.pages += 1;
      reads.listed += data.length;
      reads.newest ??= data[0]?.created_at ?? null;
      reads.oldest = data.at(-1)?.created_at ?? reads.oldest;
      reads.in_window += data.filter((listed) => Date.parse(listed.created_at) >= since * 1000).length;
      for (const event of data.filter((listed) => Date.parse(listed.created_at) >= since * 1000)) {
        events += 1;
        eventTypes[event.type] = (eventTypes[event.type] ?? 0) + 1;
        if (!answered.has(event.id)) missed += 1;
        const deliveredAt = firstDelivered.get(event.id);
        if (deliveredAt !== undefined) latencies.push(deliveredAt - Date.parse(event.created_at));
      }
      if (!page.json.has_more || data.length === 0) break;
      after = data.at(-1)?.id;
    }
  }
  const pipeline = pipelineCounts(input.whole, input.unattributed);
  const billable = billableCountsPer(pipeline, payments);
  const eventsUsage = Object.values(pipeline.dynamoDb)[0];
  return {
    endpoints: endpoints.endpoints.length,
    enabled_events: ['*'],
    events,
    delivered: events - missed,
    missed_events: missed,
    listing_errors: listingErrors,
    listing_retries: listingRetries,
    listing_failure_samples: listingFailures,
    listing_reads: listingReads,
    event_types: eventTypes,
    delivery_latency_ms: summarizeLatencies(latencies),
    window,
    per_payment: {
      webhooks: per(window.webhooks_received),
      events: per(events),
      lambda_invocations: Object.fromEntries(EVENT_PIPELINE_FUNCTIONS.map((key) => [key, per(pipeline.invocations[key] ?? 0)])),
      events_table_write_units: per((eventsUsage?.writeUnits ?? 0) + (eventsUsage?.refusedWriteUnits ?? 0) + (eventsUsage?.cancelledTransactionWriteUnits ?? 0) + (eventsUsage?.indexWriteUnits ?? 0)),
      events_table_read_units: per((eventsUsage?.readUnits ?? 0) + (eventsUsage?.indexReadUnits ?? 0)),
      sqs_requests: billable.sqsRequests,
      kms_requests: billable.kmsRequests,
    },
    cost: costPerMillionPayments(billable, input.prices),
    note:
      'Delivery is carried by the payments (the attribution residual) and already in `cost`; this is its share, line by line. Events of payouts and conversions are in it too. One endpoint per merchant: each further endpoint subscribed to everything adds its deliveries (deliverWebhooks, delivery records, SQS), not the events.',
  };
};
