import { webhookContracts } from '../../contracts/webhooks';
import { presentEvent } from '../../domain/events';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { eventStore } from '../../wiring/webhooks';
import { listEvents } from '../../use-cases/events/query-events';

/**
 * GET /v1/events?limit=&starting_after=&ending_before=&type=&created[gte]=&created[gt]=&created[lte]=&created[lt]=
 * Newest first, the last 30 days. `type` is an event type or `<object>.*`; `created[...]` bounds are Unix
 * seconds (as Stripe's) or ISO 8601 times (shared/http/list-query.ts).
 */
const events = eventStore();

const query = webhookContracts.listEvents.query;

export const handler = merchantQueryEndpoint({
  operation: 'listEvents',
  query,
  handle: async (request) => {
    const page = await listEvents(
      { events, now: () => new Date() },
      { ...listRequestOf(request.principal.merchantId, request.query), ...(request.query.type === undefined ? {} : { type: request.query.type }) },
    );
    return { status: 200, body: presentList(page.events.map((found) => presentEvent(found.id, found.event)), page.hasMore, '/v1/events') };
  },
});
