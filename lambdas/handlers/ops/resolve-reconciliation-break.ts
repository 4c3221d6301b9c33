import * as z from 'zod/mini';
import { PLATFORM_AUDIT_SUBJECT } from '../../domain/audit';
import { BreakNotOpenError } from '../../ports/reconciliation-repository';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { RequestError, problem } from '../../shared/http/problem';
import { presentReconciliationBreak } from '../../shared/http/reconciliation-presenters';
import { reconciliationRepository } from '../../wiring/reconciliation';
import { resolveReconciliationBreak } from '../../use-cases/reconciliation/reconciliation-breaks';

/**
 * Operator API: POST /v1/reconciliation/breaks/{id}/resolve (ops_admin), body `{"note": "..."}`: closes an
 * open break with what was found or done. The audit log of the break's merchant gets the entry (of
 * `mer_platform` for a break no merchant owns: an unknown batch, a line naming no payment). 409
 * `break_not_open` when it is already resolved.
 */
const body = z.strictObject(
  {
    note: z.string({ error: 'must be a string of 1 to 1000 characters' }).check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(1_000, { error: 'must be at most 1000 characters' })),
  },
  { error: 'must be a JSON object: {"note": "..."}' },
);

export const handler = operatorCommandEndpoint({
  operation: 'opsResolveReconciliationBreak',
  audit: { action: 'reconciliation_break.resolve' },
  body,
  handle: async (request) => {
    const breakId = request.pathParameters.id ?? '';
    const operator = `${request.principal.role}/${request.principal.session}`.slice(0, 128).replace(/\s/g, '_');
    let resolved;
    try {
      resolved = await resolveReconciliationBreak({ reports: reconciliationRepository(), now: () => new Date() }, { breakId, note: request.body.note, operator });
    } catch (error) {
      if (error instanceof BreakNotOpenError) throw new RequestError(problem(409, 'break_not_open', `Break ${breakId} is already resolved.`));
      throw error;
    }
    const after = presentReconciliationBreak(resolved.after);
    return {
      status: 200,
      body: after,
      change: {
        merchantId: resolved.after.merchantId ?? PLATFORM_AUDIT_SUBJECT,
        target: { type: 'reconciliation_break', id: breakId },
        before: presentReconciliationBreak(resolved.before),
        after,
      },
    };
  },
});
