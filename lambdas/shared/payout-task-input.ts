import * as z from 'zod/mini';
import { PAYOUT_WAITS } from '../domain/payouts/payout';
import { PAYOUT_ACTIONS } from '../domain/payouts/payout-saga';

/** Parts of the payout workflows' task inputs that every payout task handler parses the same way. */
export const payoutId = z.string().check(z.regex(/^po_[a-z2-7]{26}$/));
export const payoutAction = z.optional(z.enum(PAYOUT_ACTIONS));
export const payoutStepInput = z.object({ payoutId, action: payoutAction });
export const payoutWait = z.enum(PAYOUT_WAITS);
