import { MAX_AMOUNT_MINOR, formatMoney, isSupportedCurrency, isValidAmount, minorUnits, supportedCurrencies } from '../../../lambdas/domain/money';

describe('currencies (ISO 4217)', () => {
  it.each([
    ['JPY', 0],
    ['KRW', 0],
    ['USD', 2],
    ['EUR', 2],
    ['BRL', 2],
    ['CAD', 2],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
  ])('%s has %i minor units', (code, digits) => {
    expect(minorUnits(code)).toBe(digits);
  });

  it.each(['XAU', 'XAG', 'XDR', 'XTS', 'XXX', 'CLF', 'usd', 'US', 'ABC', ''])('refuses %p', (code) => {
    expect(isSupportedCurrency(code)).toBe(false);
  });

  it('supports the currencies of the markets the platform sells into', () => {
    expect(supportedCurrencies().length).toBeGreaterThan(140);
    expect(supportedCurrencies()).toEqual(expect.arrayContaining(['BRL', 'MXN', 'INR', 'IDR', 'XOF', 'XAF']));
  });

  it('throws for an unsupported code instead of guessing its minor units', () => {
    expect(() => minorUnits('XAU')).toThrow(RangeError);
  });
});

describe('amounts', () => {
  it.each([1, 100, MAX_AMOUNT_MINOR])('accepts %p', (amount) => {
    expect(isValidAmount(amount)).toBe(true);
  });

  it.each([0, -1, 1.5, 0.1, MAX_AMOUNT_MINOR + 1, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses %p',
    (amount) => {
      expect(isValidAmount(amount)).toBe(false);
    },
  );
});

describe('formatMoney', () => {
  it.each([
    [{ amount: 1999, currency: 'USD' }, '19.99 USD'],
    [{ amount: 5, currency: 'USD' }, '0.05 USD'],
    [{ amount: 1999, currency: 'JPY' }, '1999 JPY'],
    [{ amount: 1, currency: 'KWD' }, '0.001 KWD'],
    [{ amount: -1050, currency: 'BRL' }, '-10.50 BRL'],
  ])('%p → %s', (money, text) => {
    expect(formatMoney(money)).toBe(text);
  });
});
