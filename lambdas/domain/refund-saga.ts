import type { Refund } from './refund';

/**
 * What a refund workflow task answers: the refund as it now is (a refund holds no card data: all of it
 * may travel in a workflow's payload but the request fingerprint) and whether anything is left to do.
 * A refund's steps run in one order (post, refund at the channel; on a refusal, reverse and fail): a
 * repeated or resumed run repeats the finished ones harmlessly (each is idempotent), so only `done`
 * needs deciding from the refund itself.
 */
export type RefundState = Omit<Refund, 'requestFingerprint'>;
export type RefundStep = 'refund_at_channel' | 'done';

export interface RefundStepResult {
  readonly next: RefundStep;
  readonly refund: RefundState;
}

export const refundStepResult = (refund: Refund, next: RefundStep = refund.status === 'pending' ? 'refund_at_channel' : 'done'): RefundStepResult => {
  const { requestFingerprint: _fingerprint, ...state } = refund;
  return { next, refund: state };
};

/** A refund's merchant sees the refund as stored, with the state a workflow reported since. */
export const refundWithState = (refund: Refund, state: RefundState): Refund => ({ ...refund, ...state });
