import { seededRandom } from '../../../bench/lib/http';
import { MIX, mixFromOption, pickAmount, planMix } from '../../../bench/lib/mix';

/** The mix follows its weights exactly, is reproducible from its seed, and takes new entries as given. */
it('plans exactly the weighted share of each entry, interleaved, the same for the same seed', () => {
  const plan = planMix(MIX, 600, seededRandom(1));
  const count = (name: string) => plan.filter((entry) => entry.name === name).length;
  expect(plan).toHaveLength(600);
  expect({ automatic: count('automatic_capture'), manual: count('manual_capture'), refunds: count('partial_refunds'), declines: count('decline') }).toEqual({ automatic: 330, manual: 120, refunds: 90, declines: 60 });
  expect(plan.slice(0, 20).map((entry) => entry.name)).toEqual(planMix(MIX, 600, seededRandom(1)).slice(0, 20).map((entry) => entry.name));
  expect(new Set(plan.slice(0, 20).map((entry) => entry.name)).size).toBeGreaterThan(1);
  // Rounding keeps the total.
  expect(planMix(MIX, 7, seededRandom(2))).toHaveLength(7);
});

it('takes weights from --mix and refuses unknown entries', () => {
  expect(mixFromOption('decline=1,automatic_capture=3').map((entry) => [entry.name, entry.weight])).toEqual([['decline', 1], ['automatic_capture', 3]]);
  expect(mixFromOption(undefined)).toHaveLength(MIX.length);
  expect(() => mixFromOption('payout=5')).toThrow(/no entry 'payout'/);
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
