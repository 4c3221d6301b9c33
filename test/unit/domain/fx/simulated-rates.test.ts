import { compare, divide, fraction, multiply, toFraction } from '../../../../lambdas/domain/fx/decimal';
import { CHECKED_IN_RATES, SimulatedRateProvider, driftPpmAt, knotDriftPpm } from '../../../../lambdas/adapters/fx/simulated-rate-provider';

/** The local rate source: checked-in mids that drift deterministically within their bound. */
const provider = new SimulatedRateProvider();
const { drift } = CHECKED_IN_RATES;
const start = Date.parse('2026-11-21T12:00:00Z');

describe('the checked-in rates', () => {
  it('cover the majors and every currency the acquirers settle in', () => {
    for (const currency of ['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'CAD', 'MXN', 'BRL', 'SEK', 'KRW', 'KWD', 'AUD', 'BHD', 'JOD']) {
      expect(provider.supports(currency)).toBe(true);
    }
    expect(provider.supports('XXX')).toBe(false);
  });
});

describe('drift', () => {
  it('stays within ±bound at every instant, and USD does not move', () => {
    const bound = fraction(BigInt(drift.boundPpm), 1n);
    const negativeBound = fraction(-BigInt(drift.boundPpm), 1n);
    for (let step = 0; step < 2_000; step += 1) {
      const at = start + step * 37_017;
      for (const currency of ['EUR', 'BRL', 'KWD', 'JPY']) {
        const value = driftPpmAt(drift, currency, at);
        expect(compare(value, bound)).toBeLessThanOrEqual(0);
        expect(compare(value, negativeBound)).toBeGreaterThanOrEqual(0);
      }
    }
    expect(provider.ratePerBase('USD', new Date(start))).toEqual(fraction(1n, 1n));
  });

  it('is deterministic, continuous between knots, and actually moves', () => {
    const period = drift.knotSeconds * 1_000;
    const knot = BigInt(Math.floor(start / period));
    expect(knotDriftPpm(drift, 'BRL', knot)).toBe(knotDriftPpm(drift, 'BRL', knot));
    // at a knot the drift is the knot's value; half way it is the average of both ends
    const atKnot = driftPpmAt(drift, 'BRL', Number(knot) * period);
    expect(compare(atKnot, fraction(knotDriftPpm(drift, 'BRL', knot), 1n))).toBe(0);
    const half = driftPpmAt(drift, 'BRL', Number(knot) * period + period / 2);
    expect(compare(half, fraction(knotDriftPpm(drift, 'BRL', knot) + knotDriftPpm(drift, 'BRL', knot + 1n), 2n))).toBe(0);
    const values = new Set(Array.from({ length: 20 }, (_, index) => knotDriftPpm(drift, 'BRL', knot + BigInt(index))));
    expect(values.size).toBeGreaterThan(10);
  });

  it('gives cross rates as the ratio of the two USD rates', async () => {
    const at = new Date(start + 123_456);
    const cross = await provider.midRate('BRL', 'CAD', at);
    expect(compare(cross.rate, divide(provider.ratePerBase('CAD', at), provider.ratePerBase('BRL', at)))).toBe(0);
    const back = await provider.midRate('CAD', 'BRL', at);
    expect(compare(multiply(cross.rate, back.rate), fraction(1n, 1n))).toBe(0);
    // within ±(1.5 % + 1.5 %) of the checked-in cross rate
    const checkedIn = divide(toFraction(CHECKED_IN_RATES.rates.CAD!), toFraction(CHECKED_IN_RATES.rates.BRL!));
    expect(compare(cross.rate, multiply(checkedIn, fraction(1_031n, 1_000n)))).toBe(-1);
    expect(compare(cross.rate, multiply(checkedIn, fraction(969n, 1_000n)))).toBe(1);
    expect(cross.asOf).toBe(at.toISOString());
  });
});
