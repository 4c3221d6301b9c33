import { cardBrand, passesLuhn } from '../../../lambdas/domain/card';
import type { DeclineCode } from '../../../lambdas/domain/channel-errors';

/**
 * Test cards: the card number chooses how the simulated issuer and acquirer behave, as with a real
 * acquirer's sandbox. docs/simulators.md shows this table; a unit test keeps the two in step.
 * Any other Luhn-valid number approves; a number failing Luhn declines `incorrect_number`; a card whose
 * expiry is past (on the simulator's clock) declines `expired_card` whatever its number.
 */
export type CardBehaviour =
  | { readonly kind: 'approve' }
  | { readonly kind: 'decline'; readonly declineCode: DeclineCode }
  /** HTTP 503 `processing_error` on the first attempt under an Idempotency-Key; the retry approves. */
  | { readonly kind: 'transient_error' }
  /** Approves; every capture of the authorization is refused with 402 `capture_failed`. */
  | { readonly kind: 'capture_fails' }
  /** Approves and captures; every refund of the authorization is refused with 422 `refund_failed`. */
  | { readonly kind: 'refund_fails' }
  /**
   * Records and approves the authorization, then holds the answer longer than any client waits (the
   * ambiguous outcome). A retry with the same Idempotency-Key gets the same authorization at once.
   */
  | { readonly kind: 'silent_after_recording' };

export interface TestCard {
  readonly number: string;
  readonly behaviour: CardBehaviour;
  readonly description: string;
}

export const TEST_CARDS: readonly TestCard[] = [
  { number: '4242424242424242', behaviour: { kind: 'approve' }, description: 'Visa: approves' },
  { number: '5555555555554444', behaviour: { kind: 'approve' }, description: 'Mastercard: approves' },
  { number: '4000000000000002', behaviour: { kind: 'decline', declineCode: 'card_declined' }, description: 'Declines: generic decline' },
  { number: '4000000000009995', behaviour: { kind: 'decline', declineCode: 'insufficient_funds' }, description: 'Declines: insufficient funds' },
  { number: '4000000000000069', behaviour: { kind: 'decline', declineCode: 'expired_card' }, description: 'Declines: expired card' },
  { number: '4000000000000127', behaviour: { kind: 'decline', declineCode: 'incorrect_cvc' }, description: 'Declines: incorrect CVC' },
  { number: '4000000000000440', behaviour: { kind: 'decline', declineCode: 'do_not_honor' }, description: 'Declines: do not honor' },
  { number: '4000000000009987', behaviour: { kind: 'decline', declineCode: 'lost_card' }, description: 'Declines: lost card' },
  { number: '4000000000009979', behaviour: { kind: 'decline', declineCode: 'stolen_card' }, description: 'Declines: stolen card' },
  {
    number: '4000000000000119',
    behaviour: { kind: 'transient_error' },
    description: 'HTTP 503 processing_error on the first attempt per Idempotency-Key; the retry approves',
  },
  {
    number: '4000000000000259',
    behaviour: { kind: 'capture_fails' },
    description: 'Approves; every capture is refused with 402 capture_failed',
  },
  {
    number: '4000000000005126',
    behaviour: { kind: 'refund_fails' },
    description: 'Approves and captures; every refund is refused with 422 refund_failed',
  },
  {
    number: '4000000000000911',
    behaviour: { kind: 'silent_after_recording' },
    description:
      'Records and approves the authorization but stays silent longer than any client timeout on the first attempt; the retry with the same Idempotency-Key returns the same authorization (one charge)',
  },
];

const byNumber: ReadonlyMap<string, TestCard> = new Map(TEST_CARDS.map((card) => [card.number, card]));

export const cardBehaviour = (number: string): CardBehaviour => {
  if (!passesLuhn(number)) return { kind: 'decline', declineCode: 'incorrect_number' };
  return byNumber.get(number)?.behaviour ?? { kind: 'approve' };
};

/** The card network the simulator reports (`visa`, `mastercard`...), from the number's issuer range. */
export const cardNetwork = (number: string): string => cardBrand(number);
