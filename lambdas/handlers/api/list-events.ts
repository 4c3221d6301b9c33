import { webhookContracts } from '../../contracts/webhooks';
import { presentEvent } from '../../domain/events';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { eventStoreFromEnvironment } from '../../shared/webhooks';
import { listEvents } from '../../use-cases/events/query-events';

/**
 * GET /v1/events?limit=&starting_after=&type=&created[gte]=&created[gt]=&created[lte]=&created[lt]=
 * Newest first, the last 30 days. `type` is an event type or `<object>.*`; `created[...]` bounds are Unix
 * seconds (as Stripe's) or ISO 8601 times.
 */
const events = eventStoreFromEnvironment();

const toMs = (value: string | undefined): number | undefined => (value === undefined ? undefined : /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value));

const query = webhookContracts.listEvents.query;

export const handler = merchantQueryEndpoint({
  operation: 'listEvents',
  query,
  handle: async (request) => {
    const gte = toMs(request.query['created[gte]']);
    const gt = toMs(request.query['created[gt]']);
    const lte = toMs(request.query['created[lte]']);
    const lt = toMs(request.query['created[lt]']);
    const from = [gte, gt === undefined ? undefined : gt + 1].filter((value): value is number => value !== undefined);
    const to = [lte, lt === undefined ? undefined : lt - 1].filter((value): value is number => value !== undefined);
    const page = await listEvents(
      { events, now: () => new Date() },
      {
        merchantId: request.principal.merchantId,
        limit: request.query.limit,
        startingAfter: request.query.starting_after,
        type: request.query.type,
        createdFromMs: from.length ? Math.max(...from) : undefined,
        createdToMs: to.length ? Math.min(...to) : undefined,
      },
    );
    return { status: 200, body: presentList(page.events.map((found) => presentEvent(found.id, found.event)), page.hasMore, '/v1/events') };
  },
});
