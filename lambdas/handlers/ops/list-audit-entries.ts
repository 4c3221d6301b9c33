import * as z from 'zod/mini';
import { deployment } from '../../../platform/deployment';
import { presentAuditEntry } from '../../shared/http/access-presenters';
import { auditLogFromEnvironment } from '../../shared/audit';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentList } from '../../shared/http/presenters';
import { listAuditEntries } from '../../use-cases/audit-trail';

/**
 * Operator API: GET /v1/merchants/{id}/audit_entries?region=&limit=&starting_after= (ops_viewer): one of the
 * merchant's chains, newest first. `starting_after` is the `seq` of the previous page's last entry.
 */
const audit = auditLogFromEnvironment();
const regions = [deployment.primaryRegion, deployment.secondaryRegion] as const;
const limitMessage = 'must be an integer from 1 to 100';
const seqMessage = 'must be the seq of an entry (a positive integer)';

const query = z.strictObject({
  region: z._default(z.enum(regions, { error: `must be one of ${regions.join(', ')}` }), process.env.AWS_REGION as (typeof regions)[number]),
  limit: z._default(
    z.coerce.number({ error: limitMessage }).check(z.refine((value) => Number.isInteger(value) && value >= 1 && value <= 100, { error: limitMessage })),
    20,
  ),
  starting_after: z.optional(
    z.coerce.number({ error: seqMessage }).check(z.refine((value) => Number.isInteger(value) && value >= 1, { error: seqMessage })),
  ),
});

export const handler = operatorQueryEndpoint({
  operation: 'opsListAuditEntries',
  query,
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const page = await listAuditEntries(
      { audit },
      { merchantId, region: request.query.region, limit: request.query.limit, beforeSeq: request.query.starting_after },
    );
    return { status: 200, body: presentList(page.entries.map(presentAuditEntry), page.hasMore, `/v1/merchants/${merchantId}/audit_entries`) };
  },
});
