import { publicKeyId } from '../../domain/api-key';
import { commandIdOf } from '../../domain/audit';
import { recordAudit } from '../audit';
import type { AuditedChange } from './command-result';
import { type EndpointResult, merchantPathParameters, principalOf, wrap } from './merchant-endpoint';
import { jsonResponse } from './problem';
import { header } from './request';
import { auditLog as auditLogOf } from '../../wiring/audit';

/**
 * The adapter for merchant DELETE endpoints: no body, no query, and no Idempotency-Key needed (deleting is
 * idempotent by nature: the second request finds nothing and answers 404, as Stripe's DELETE does). The
 * change is appended to the merchant's audit chain like a POST's; its command id is the Idempotency-Key
 * when one is sent, else the request id.
 */
export const merchantDeleteEndpoint = (definition: {
  readonly operation: string;
  readonly audit: { readonly action: string };
  readonly handle: (request: { principal: ReturnType<typeof principalOf>; pathParameters: Readonly<Record<string, string>> }) => Promise<EndpointResult & { change: AuditedChange }>;
}) => {
  const auditLog = auditLogOf();
  const handler = wrap(definition.operation, async (event, _context, note) => {
    const principal = principalOf(event);
    const pathParameters = merchantPathParameters(event);
    const requestId = event.requestContext.requestId;
    const result = await definition.handle({ principal, pathParameters });
    await recordAudit(auditLog, {
      merchant_id: principal.merchantId,
      actor: { type: 'merchant', merchant_id: principal.merchantId, api_key: publicKeyId(principal.keyId) },
      action: definition.audit.action,
      target: result.change.target,
      request_id: requestId,
      command_id: commandIdOf(principal.merchantId, header(event, 'Idempotency-Key') ?? `request:${requestId}`),
      before: result.change.before,
      after: result.change.after,
    }, note);
    return jsonResponse(result.status, result.body, requestId);
  });
  /** The declared audit action, for the test that every merchant change records its effect. */
  return Object.assign(handler, { auditAction: definition.audit.action });
};
