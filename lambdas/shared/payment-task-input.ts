import * as z from 'zod/mini';
import { PAYMENT_ACTIONS } from '../domain/payment-saga';

/** Parts of the payment workflow's task inputs that several task handlers parse the same way. */
export const paymentAction = z.optional(z.enum(PAYMENT_ACTIONS));

/** What the Capture step answered (`$.capture`): the channel's capture id and the amount captured. */
export const captureResult = z.object({ captureId: z.string(), amount: z.number() });
