import * as z from 'zod/mini';
import { BREAK_KINDS, BREAK_STATUSES } from '../../domain/reconciliation/matching';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentList } from '../../shared/http/presenters';
import { presentReconciliationBreak } from '../../shared/http/reconciliation-presenters';
import { idSchema, limitSchema } from '../../shared/http/schemas';
import { reconciliationRepository } from '../../wiring/reconciliation';
import { listReconciliationBreaks } from '../../use-cases/reconciliation/reconciliation-breaks';

/**
 * Operator API: GET /v1/reconciliation/breaks?status=&kind=&merchant=&limit=&starting_after= (ops_viewer):
 * reconciliation breaks, oldest first; `status` open (default) or resolved; `starting_after` is the `id`
 * of the previous page's last break.
 */
const reports = reconciliationRepository();

const query = z.strictObject({
  status: z._default(z.enum(BREAK_STATUSES, { error: `must be one of ${BREAK_STATUSES.join(', ')}` }), 'open'),
  kind: z.optional(z.enum(BREAK_KINDS, { error: `must be one of ${BREAK_KINDS.join(', ')}` })),
  merchant: z.optional(idSchema('merchant')),
  limit: z._default(limitSchema, 20),
  starting_after: z.optional(idSchema('reconciliation_break')),
});

export const handler = operatorQueryEndpoint({
  operation: 'opsListReconciliationBreaks',
  query,
  handle: async (request) => {
    const page = await listReconciliationBreaks(
      { reports },
      { status: request.query.status, kind: request.query.kind, merchantId: request.query.merchant, limit: request.query.limit, startingAfter: request.query.starting_after },
    );
    return { status: 200, body: presentList(page.breaks.map(presentReconciliationBreak), page.hasMore, '/v1/reconciliation/breaks') };
  },
});
