import fc from 'fast-check';
import { DEFAULT_PRICING, type Pricing, computeFee, isValidPricing, percentagePart } from '../../../../lambdas/domain/ledger/fees';
import { MAX_AMOUNT_MINOR } from '../../../../lambdas/domain/money';

/** Fees in integer minor units, ROUND_HALF_UP on the percentage part, never more than the amount. */
const pricing: Pricing = { percentBps: 290, fixed: { USD: 30, JPY: 30, KWD: 100 } };

describe('the half-up rounding rule on the percentage part', () => {
  it.each([
    // [amount, bps, exact percentage, rounded]
    [10_000, 290, '290', 290],
    [1_050, 290, '30.45', 30],
    [500, 290, '14.5 (a tie)', 15],
    [1_500, 290, '43.5 (a tie)', 44],
    [1_499, 290, '43.471', 43],
    [1, 4_999, '0.4999', 0],
    [1, 5_000, '0.5 (a tie)', 1],
    [0, 290, '0', 0],
  ])('%i at %i bps is %s → %i', (amount, bps, _exact, rounded) => {
    expect(percentagePart(amount, bps)).toBe(rounded);
  });

  it('stays exact at the largest amount (no float anywhere)', () => {
    expect(percentagePart(MAX_AMOUNT_MINOR, 10_000)).toBe(MAX_AMOUNT_MINOR);
    expect(percentagePart(MAX_AMOUNT_MINOR, 9_999)).toBe(99_989_999_999); // 99,989,999,999.0001
  });

  it('is the exact product rounded to the nearest unit, ties up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_AMOUNT_MINOR }), fc.integer({ min: 0, max: 10_000 }), (amount, bps) => {
        const exactTimes10k = BigInt(amount) * BigInt(bps);
        const rounded = BigInt(percentagePart(amount, bps));
        const errorTimes10k = rounded * 10_000n - exactTimes10k;
        return errorTimes10k > -5_000n && errorTimes10k <= 5_000n;
      }),
    );
  });
});

describe('fees in currencies with 0, 2 and 3 decimals', () => {
  it.each([
    ['JPY', 0, 1_000, 29 + 30],
    ['JPY', 0, 500, 15 + 30], // 14.5 yen rounds up
    ['JPY', 0, 10, 10], // 0 + 30 fixed, capped at the 10-yen amount
    ['USD', 2, 10_000, 290 + 30],
    ['USD', 2, 500, 15 + 30],
    ['USD', 2, 20, 20], // $0.20: 1 + 30 exceeds it, capped
    ['KWD', 3, 1_000, 29 + 100],
    ['KWD', 3, 12_345, 358 + 100], // 358.005 fils rounds down
    ['KWD', 3, 100, 100], // 3 + 100 exceeds 0.100 KWD, capped
    ['EUR', 2, 10_000, 290], // no fixed part defined for EUR in this pricing
  ])('%s (%i decimals): %i → fee %i', (currency, _digits, amount, fee) => {
    const quote = computeFee(pricing, amount, currency);
    expect(quote.fee).toBe(fee);
    expect(quote.net).toBe(amount - fee);
  });

  it('never charges more than the amount, never less than zero, always whole minor units', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_AMOUNT_MINOR }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom('JPY', 'USD', 'KWD', 'BRL'),
        (amount, percentBps, fixed, currency) => {
          const quote = computeFee({ percentBps, fixed: { [currency]: fixed } }, amount, currency);
          return Number.isSafeInteger(quote.fee) && quote.fee >= 0 && quote.fee <= amount && quote.net === amount - quote.fee;
        },
      ),
    );
  });

  it('refuses to price an unsupported currency or a fractional amount', () => {
    expect(() => computeFee(pricing, 100, 'XAU')).toThrow(RangeError);
    expect(() => computeFee(pricing, 10.5, 'USD')).toThrow(RangeError);
  });

  it('validates pricing', () => {
    expect(isValidPricing(DEFAULT_PRICING)).toBe(true);
    expect(isValidPricing({ percentBps: 10_001, fixed: {} })).toBe(false);
    expect(isValidPricing({ percentBps: 2.5, fixed: {} })).toBe(false);
    expect(isValidPricing({ percentBps: 100, fixed: { USD: -1 } })).toBe(false);
    expect(isValidPricing({ percentBps: 100, fixed: { XAU: 1 } })).toBe(false);
  });
});
