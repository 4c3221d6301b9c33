import * as z from 'zod/mini';
import { PAYMENT_ACTIONS } from '../domain/payment-saga';

/** Parts of the payment workflow's task inputs that several task handlers parse the same way. */
export const paymentAction = z.optional(z.enum(PAYMENT_ACTIONS));

/**
 * An automatic payment's approval, answered by Authorize and carried in the run's state until a step records
 * it (domain/payment-lifecycle.ts `Approval`, decision record 0047): the channel's authorization, no card data.
 */
export const approval = z.object({ channel: z.string(), authorizationId: z.string(), amountAuthorized: z.number(), expiresAt: z.string(), at: z.string() });

/** The last step's answer (`$.progress`), as Capture and ReleaseAfterFailure read it: only its approval. */
export const progressApproval = z.optional(z.object({ approval: z.optional(approval) }));

/** A capture not recorded yet (`$.progress.capture`: Capture's answer, or Authorize's sale): its id, the amount, the approval carried on. */
export const captureResult = z.object({ captureId: z.string(), amount: z.number(), approval: z.optional(approval) });

/**
 * The run's input as Screen reads it (`run.$: $`): the create's answer for a payment it stored screened, when
 * it started the run with one (decision 0055). The answer is the platform's own (the payment's state, no card
 * data); only its shape Screen relies on is checked here.
 */
export const runStart = z.optional(z.object({ screened: z.optional(z.looseObject({ next: z.string(), payment: z.looseObject({ id: z.string() }) })) }));
