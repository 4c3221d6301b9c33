import { auditLog } from '../../wiring/audit';
import { presentAuditEntry } from '../../shared/http/access-presenters';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentList } from '../../shared/http/presenters';
import * as z from 'zod/mini';
import { idSchema, limitSchema } from '../../shared/http/schemas';
import { listAuditEntries } from '../../use-cases/audit-trail';

/**
 * Operator API: GET /v1/merchants/{id}/audit_entries?limit=&starting_after= (ops_viewer): the merchant's
 * audit log newest first, across its chains and both regions. `starting_after` is the `id` of the previous
 * page's last entry.
 */
const audit = auditLog();

// Forward only, like the operator API's other lists: the audit log is read page after page.
const query = z.strictObject({ limit: z._default(limitSchema, 20), starting_after: z.optional(idSchema('audit_entry')) });

export const handler = operatorQueryEndpoint({
  operation: 'opsListAuditEntries',
  query,
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const page = await listAuditEntries({ audit }, { merchantId, limit: request.query.limit, startingAfter: request.query.starting_after });
    return { status: 200, body: presentList(page.entries.map(presentAuditEntry), page.hasMore, `/v1/merchants/${merchantId}/audit_entries`) };
  },
});
