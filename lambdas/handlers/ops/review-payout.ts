import * as z from 'zod/mini';
import { RequestError, problem } from '../../shared/http/problem';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { operatorNoteSchema } from '../../shared/http/schemas';
import { presentPayout } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';
import { workflows } from '../../wiring/payments';
import { decidePayoutReview } from '../../use-cases/payouts/decide-payout-review';

/**
 * Operator API: POST /v1/payouts/{id}/review (ops_admin), body `{"decision": "approve"|"reject", "note"?}`:
 * the decision on a payout held for review (a sanctions match or an amount at the review limit). The
 * operator recorded on the payout is the caller's IAM session; the audit log of the payout's merchant gets
 * the entry. 409 `payout_not_in_review` when the payout is not waiting for a decision (canceled, already
 * decided the other way); deciding the same way again changes nothing.
 */
/** How long the handler waits for the payout's workflow run (its timeout, platform/functions.ts, is 27 s; API Gateway's 29 s). */
const RUN_BUDGET_MS = 20_000;

const decisionMessage = 'must be "approve" or "reject"';
const body = z.strictObject(
  {
    decision: z.enum(['approve', 'reject'], { error: decisionMessage }),
    note: z.optional(operatorNoteSchema),
  },
  { error: 'must be a JSON object: {"decision": "approve" | "reject", "note"?: "..."}' },
);

export const handler = operatorCommandEndpoint({
  operation: 'opsReviewPayout',
  audit: { action: 'payout.review' },
  body,
  handle: async (request) => {
    const payoutId = request.pathParameters.id ?? '';
    // `<role>/<session>`: who decided, in the payout's own record (the audit entry keeps the full ARN).
    const operator = `${request.principal.role}/${request.principal.session}`.slice(0, 128).replace(/\s/g, '_');
    const deps = { payouts: payoutRepository(), workflows: workflows(), now: () => new Date(), deadline: Date.now() + RUN_BUDGET_MS };
    let decided;
    try {
      decided = await decidePayoutReview(deps, payoutId, request.body.decision, operator, request.body.note ?? null);
    } catch (error) {
      if ((error as Error).name === 'PayoutTransitionError') {
        throw new RequestError(problem(409, 'payout_not_in_review', `Payout ${payoutId} is not waiting for a review decision.`));
      }
      throw error;
    }
    const { before, after } = decided;
    const presented = { ...presentPayout(after), merchant_id: after.merchantId, review: after.review ?? null };
    return {
      status: 200,
      body: presented,
      change:
        before === after
          ? undefined
          : { merchantId: after.merchantId, target: { type: 'payout', id: after.id }, before: { ...presentPayout(before), review: before.review ?? null }, after: presented },
    };
  },
});
