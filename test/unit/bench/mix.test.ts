import { seededRandom } from '../../../bench/lib/http';
import { MIX, SMOKE_MIX, mixFromOption, pickAmount, planMix, playerCardNumber } from '../../../bench/lib/mix';
import { cardBrand, passesLuhn } from '../../../lambdas/domain/card';
import { TEST_CARDS, cardBehaviour } from '../../../local/simulators/card-acquirer/test-cards';

/** The mix follows its weights exactly, is reproducible from its seed, and takes new entries as given. */
it('plans exactly the weighted share of each entry, interleaved, the same for the same seed', () => {
  const plan = planMix(MIX, 690, seededRandom(1));
  const count = (name: string) => plan.filter((entry) => entry.name === name).length;
  expect(plan).toHaveLength(690);
  // Weights 55, 20, 15, 10, 5, 10 (115 in all): 690 runs are 6 per weight unit.
  expect({ automatic: count('automatic_capture'), manual: count('manual_capture'), refunds: count('partial_refunds'), declines: count('decline'), conversions: count('conversion'), payouts: count('payout') }).toEqual({
    automatic: 330,
    manual: 120,
    refunds: 90,
    declines: 60,
    conversions: 30,
    payouts: 60,
  });
  expect(plan.slice(0, 20).map((entry) => entry.name)).toEqual(planMix(MIX, 690, seededRandom(1)).slice(0, 20).map((entry) => entry.name));
  expect(new Set(plan.slice(0, 20).map((entry) => entry.name)).size).toBeGreaterThan(1);
  // Rounding keeps the total, and the smoke run's twelve runs follow its mix exactly.
  expect(planMix(MIX, 7, seededRandom(2))).toHaveLength(7);
  const smoke = planMix(mixFromOption(SMOKE_MIX), 12, seededRandom(1));
  expect(smoke.filter((entry) => entry.name === 'payout')).toHaveLength(3);
  expect(smoke.filter((entry) => entry.name === 'conversion')).toHaveLength(1);
});

it('takes weights from --mix and refuses unknown entries', () => {
  expect(mixFromOption('decline=1,automatic_capture=3').map((entry) => [entry.name, entry.weight])).toEqual([['decline', 1], ['automatic_capture', 3]]);
  expect(mixFromOption(undefined)).toHaveLength(MIX.length);
  expect(mixFromOption('payout=5,conversion=1').map((entry) => [entry.name, entry.weight])).toEqual([['payout', 5], ['conversion', 1]]);
  expect(() => mixFromOption('wire=5')).toThrow(/no entry 'wire'/);
  expect(() => mixFromOption('decline=0')).toThrow(/positive/);
});

it('draws integer amounts in the currency ranges', () => {
  const random = seededRandom(3);
  for (let index = 0; index < 200; index += 1) {
    const { amount, currency } = pickAmount(random);
    expect(Number.isInteger(amount) && amount > 0).toBe(true);
    expect(['USD', 'EUR', 'BRL', 'JPY', 'GBP']).toContain(currency);
  }
});

describe('playerCardNumber', () => {
  it('gives each run its own Luhn-valid card, Visa and Mastercard in turn, none a simulator test card or a velocity-exempt one', () => {
    const numbers = Array.from({ length: 2_000 }, (_, sequence) => playerCardNumber(sequence));
    expect(numbers.every(passesLuhn)).toBe(true);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.slice(0, 2).map(cardBrand)).toEqual(['visa', 'mastercard']);
    expect(numbers.filter((number) => TEST_CARDS.some((test) => test.number === number))).toEqual([]);
    expect(numbers.filter((number) => number.endsWith('4242') && number.startsWith('424242'))).toEqual([]);
    expect(numbers.every((number) => cardBehaviour(number).kind === 'approve')).toBe(true);
  });
});
