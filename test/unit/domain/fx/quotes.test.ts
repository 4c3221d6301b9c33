import fc from 'fast-check';
import { type Fraction, compare, divide, formatDecimal, fraction, parseDecimal, roundSignificant, toFraction } from '../../../../lambdas/domain/fx/decimal';
import {
  DEFAULT_SPREAD_SCHEDULE,
  QUOTE_VALIDITIES,
  VALIDITY_SECONDS,
  clientRate,
  convertExact,
  isValidSpreadSchedule,
  priceQuote,
  spreadBps,
} from '../../../../lambdas/domain/fx/quote';
import { MAX_AMOUNT_MINOR } from '../../../../lambdas/domain/money';

/**
 * FX arithmetic: exact decimals, the rate rounding (mid half up, client rate down, 10 significant
 * digits) and the amount rounding rule (ROUND_DOWN what the merchant receives, ROUND_UP what it pays),
 * in 0-, 2- and 3-decimal currencies. Mids here are the checked-in USD rates without drift.
 */
const perUsd: Record<string, string> = { USD: '1', BRL: '5.4486', CAD: '1.3856', JPY: '151.24', KWD: '0.30752', EUR: '0.9218', KRW: '1384.6' };
const mid = (sell: string, buy: string): Fraction => divide(toFraction(parseDecimal(perUsd[buy]!)), toFraction(parseDecimal(perUsd[sell]!)));

describe('exact decimals', () => {
  it('parses and prints without losing a digit', () => {
    expect(formatDecimal(parseDecimal('0.000123456789012345'))).toBe('0.000123456789012345');
    expect(formatDecimal(parseDecimal('151.2400'))).toBe('151.24');
    expect(formatDecimal(parseDecimal('1384'))).toBe('1384');
    expect(() => parseDecimal('1e5')).toThrow(RangeError);
    expect(() => parseDecimal('-1.5')).toThrow(RangeError);
  });

  it('rounds to significant digits whatever the magnitude', () => {
    const third = fraction(1n, 3n);
    expect(formatDecimal(roundSignificant(third, 10, 'down'))).toBe('0.3333333333');
    expect(formatDecimal(roundSignificant(fraction(2n, 3n), 10, 'half_up'))).toBe('0.6666666667');
    expect(formatDecimal(roundSignificant(fraction(2n, 3n), 10, 'down'))).toBe('0.6666666666');
    expect(formatDecimal(roundSignificant(fraction(4_500_123_456_789n, 1_000_000_000n), 10, 'half_up'))).toBe('4500.123457');
    expect(formatDecimal(roundSignificant(fraction(2n, 983n), 10, 'half_up'))).toBe('0.002034587996');
  });

  it('never rounds down above, or up below, the exact value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.bigInt({ min: 1n, max: 10n ** 15n }), (n, d) => {
        const exact = fraction(n, d);
        const down = roundSignificant(exact, 10, 'down');
        expect(compare(toFraction(down), exact)).toBeLessThanOrEqual(0);
        const up = roundSignificant(exact, 10, 'up');
        expect(compare(toFraction(up), exact)).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('rates', () => {
  it('quotes the mid half up and the client rate down, to 10 significant digits', () => {
    const priced = priceQuote({ sellCurrency: 'BRL', buyCurrency: 'CAD', amount: { sellAmount: 100_000 }, mid: mid('BRL', 'CAD'), spreadBps: 65 });
    expect(formatDecimal(priced.midRate)).toBe('0.2543038579'); // 1.3856 / 5.4486 = 0.25430385787...
    expect(formatDecimal(priced.rate)).toBe('0.2526508828'); // × 0.9935 = 0.252650882823... → down
  });

  it('widens the spread for exotic pairs and for longer validity', () => {
    expect(spreadBps(DEFAULT_SPREAD_SCHEDULE, 'USD', 'EUR', 'MIN_1')).toBe(25);
    expect(spreadBps(DEFAULT_SPREAD_SCHEDULE, 'USD', 'EUR', 'HR_24')).toBe(105);
    expect(spreadBps(DEFAULT_SPREAD_SCHEDULE, 'BRL', 'CAD', 'MIN_15')).toBe(65);
    const ordered = QUOTE_VALIDITIES.map((validity) => spreadBps(DEFAULT_SPREAD_SCHEDULE, 'JPY', 'KWD', validity));
    expect([...ordered].sort((a, b) => a - b)).toEqual(ordered);
    expect(QUOTE_VALIDITIES.map((validity) => VALIDITY_SECONDS[validity])).toEqual([60, 900, 1_800, 3_600, 14_400, 28_800, 86_400]);
    expect(isValidSpreadSchedule(DEFAULT_SPREAD_SCHEDULE)).toBe(true);
    expect(isValidSpreadSchedule({ ...DEFAULT_SPREAD_SCHEDULE, otherBps: 5_000 })).toBe(false);
  });

  it('keeps a zero spread at exactly the mid', () => {
    const m = parseDecimal('491.805411');
    expect(clientRate(m, 0)).toEqual(roundSignificant(toFraction(m), 10, 'down'));
  });
});

describe('the rounding rule: ROUND_DOWN what the merchant receives, ROUND_UP what it pays', () => {
  it.each([
    // sell, buy, fixed, amount → sell, buy, spread (buy currency); 65 bps
    ['BRL (2) → CAD (2), 1.00 BRL', 'BRL', 'CAD', 'sell', 100, 100, 25, 0], // 25.265 cents → 25
    ['BRL (2) → CAD (2), 1,000.00 BRL', 'BRL', 'CAD', 'sell', 100_000, 100_000, 25_265, 165],
    ['BRL → CAD, buy 250.00 CAD', 'BRL', 'CAD', 'buy', 25_000, 98_951, 25_000, 163], // 98,950.7... centavos → up
    ['JPY (0) → KWD (3), 1 yen', 'JPY', 'KWD', 'sell', 1, 1, 2, 0], // 2.020 fils → 2
    ['JPY (0) → KWD (3), 1,000 yen', 'JPY', 'KWD', 'sell', 1_000, 1_000, 2_020, 13],
    ['KWD (3) → JPY (0), 1.000 KWD', 'KWD', 'JPY', 'sell', 1_000, 1_000, 488, 3], // 488.52 yen → 488
  ] as const)('%s', (_name, sell, buy, fixed, amount, sellAmount, buyAmount, spreadAmount) => {
    const priced = priceQuote({
      sellCurrency: sell,
      buyCurrency: buy,
      amount: fixed === 'sell' ? { sellAmount: amount } : { buyAmount: amount },
      mid: mid(sell, buy),
      spreadBps: 65,
    });
    expect(priced).toMatchObject({ sellAmount, buyAmount, spreadAmount, fixedSide: fixed });
  });

  it('refuses an amount that converts to less than one minor unit: 0.001 KWD → JPY', () => {
    expect(() => priceQuote({ sellCurrency: 'KWD', buyCurrency: 'JPY', amount: { sellAmount: 1 }, mid: mid('KWD', 'JPY'), spreadBps: 65 })).toThrow(
      expect.objectContaining({ name: 'AmountTooSmallToConvertError', side: 'buy', currency: 'JPY' }),
    );
  });

  it('refuses a computed amount above the platform maximum', () => {
    expect(() =>
      priceQuote({ sellCurrency: 'KWD', buyCurrency: 'KRW', amount: { sellAmount: MAX_AMOUNT_MINOR }, mid: mid('KWD', 'KRW'), spreadBps: 65 }),
    ).toThrow(expect.objectContaining({ name: 'FxAmountOutOfRangeError' }));
  });

  const pairs = fc.constantFrom(...(['BRL', 'CAD', 'JPY', 'KWD', 'USD', 'EUR', 'KRW'] as const));
  it('holds for every pair and amount: within one minor unit of the locked rate, in the platform\'s favour, spread ≥ 0', () => {
    fc.assert(
      fc.property(pairs, pairs, fc.integer({ min: 1, max: 10_000_000_000 }), fc.boolean(), fc.integer({ min: 0, max: 200 }), (sell, buy, amount, sellFixed, bps) => {
        fc.pre(sell !== buy);
        let priced;
        try {
          priced = priceQuote({ sellCurrency: sell, buyCurrency: buy, amount: sellFixed ? { sellAmount: amount } : { buyAmount: amount }, mid: mid(sell, buy), spreadBps: bps });
        } catch (error) {
          expect((error as Error).name).toMatch(/^(AmountTooSmallToConvertError|FxAmountOutOfRangeError)$/);
          return;
        }
        const exactBuy = convertExact(priced.sellAmount, priced.rate, sell, buy);
        // buy ≤ sell × rate < buy + 1 (sell fixed), and sell × rate ≥ buy with sell − 1 not enough (buy fixed)
        expect(compare(fraction(BigInt(priced.buyAmount), 1n), exactBuy)).toBeLessThanOrEqual(0);
        if (sellFixed) expect(compare(exactBuy, fraction(BigInt(priced.buyAmount) + 1n, 1n))).toBe(-1);
        else expect(compare(convertExact(priced.sellAmount - 1, priced.rate, sell, buy), fraction(BigInt(priced.buyAmount), 1n))).toBe(-1);
        expect(priced.spreadAmount).toBeGreaterThanOrEqual(0);
        expect(Number.isSafeInteger(priced.sellAmount) && Number.isSafeInteger(priced.buyAmount)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
