import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cardBrand, passesLuhn } from '../../../lambdas/domain/card';
import { type CardBehaviour, TEST_CARDS, cardBehaviour } from '../../../local/simulators/card-acquirer/test-cards';

/** The test-card table: what each number does, and that docs/simulators.md says the same. */
const label = (behaviour: CardBehaviour): string => (behaviour.kind === 'decline' ? `decline:${behaviour.declineCode}` : behaviour.kind);

it.each([
  ['4242424242424242', 'approve'],
  ['5555555555554444', 'approve'],
  ['4000000000000002', 'decline:card_declined'],
  ['4000000000009995', 'decline:insufficient_funds'],
  ['4000000000000069', 'decline:expired_card'],
  ['4000000000000127', 'decline:incorrect_cvc'],
  ['4000000000000440', 'decline:do_not_honor'],
  ['4000000000000119', 'transient_error'],
  ['4000000000000259', 'capture_fails'],
  ['4000000000000911', 'silent_after_recording'],
  ['4111111111111111', 'approve'],
  ['378282246310005', 'approve'],
  ['4242424242424241', 'decline:incorrect_number'],
])('%s → %s', (number, expected) => {
  expect(label(cardBehaviour(number))).toBe(expected);
});

it('uses only Luhn-valid numbers, one entry each', () => {
  for (const card of TEST_CARDS) expect(passesLuhn(card.number)).toBe(true);
  expect(new Set(TEST_CARDS.map((card) => card.number)).size).toBe(TEST_CARDS.length);
});

it('is the table docs/simulators.md shows (number, brand and behaviour of every row)', () => {
  const docs = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'simulators.md'), 'utf8');
  const rows = [...docs.matchAll(/^\| `(\d{12,19})` \| (\w+) \| [^|]+ \| `([a-z_:]+)` \|$/gm)].map(([, number, brand, behaviour]) => ({
    number,
    brand,
    behaviour,
  }));
  expect(rows).toEqual(TEST_CARDS.map((card) => ({ number: card.number, brand: cardBrand(card.number), behaviour: label(card.behaviour) })));
});
