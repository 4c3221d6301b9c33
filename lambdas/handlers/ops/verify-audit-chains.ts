import * as z from 'zod/mini';
import { deployment } from '../../../platform/deployment';
import { auditLog } from '../../wiring/audit';
import { presentAuditVerification } from '../../shared/http/access-presenters';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { verifyAuditChains } from '../../use-cases/audit-trail';

/**
 * Operator API: GET /v1/merchants/{id}/audit_verification (ops_viewer): checks every link of the merchant's
 * chains (one per region) and reports the first broken one. 200 either way; `ok` says which.
 */
const audit = auditLog();

export const handler = operatorQueryEndpoint({
  operation: 'opsVerifyAuditChains',
  query: z.strictObject({}),
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const chains = await verifyAuditChains({ audit }, { merchantId, regions: [deployment.primaryRegion, deployment.secondaryRegion] });
    return { status: 200, body: presentAuditVerification(merchantId, chains) };
  },
});
