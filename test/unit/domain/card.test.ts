import { cardBrand, isExpired, passesLuhn, summarizeCard } from '../../../lambdas/domain/card';

describe('passesLuhn', () => {
  it.each(['4242424242424242', '4000000000000002', '5555555555554444', '378282246310005', '6011111111111117', '79927398713'])(
    'accepts %s',
    (number) => {
      expect(passesLuhn(number)).toBe(true);
    },
  );

  it.each(['4242424242424241', '1234567812345678', '79927398710', '', '4242 4242 4242 4242', 'abcd'])('refuses %p', (number) => {
    expect(passesLuhn(number)).toBe(false);
  });
});

describe('cardBrand', () => {
  it.each([
    ['4242424242424242', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', 'amex'],
    ['6011111111111117', 'discover'],
    ['3566002020360505', 'jcb'],
    ['36227206271667', 'diners'],
    ['6200000000000005', 'unionpay'],
    ['9999999999999995', 'unknown'],
  ])('%s is %s', (number, brand) => {
    expect(cardBrand(number)).toBe(brand);
  });
});

describe('isExpired', () => {
  it('is valid through the last moment of the expiry month (UTC)', () => {
    expect(isExpired(11, 2026, new Date('2026-11-30T23:59:59.999Z'))).toBe(false);
    expect(isExpired(11, 2026, new Date('2026-12-01T00:00:00.000Z'))).toBe(true);
  });

  it('handles a December expiry rolling into the next year', () => {
    expect(isExpired(12, 2026, new Date('2026-12-31T12:00:00Z'))).toBe(false);
    expect(isExpired(12, 2026, new Date('2027-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('summarizeCard', () => {
  it('keeps brand, last4 and expiry, and nothing that identifies the full number', () => {
    const summary = summarizeCard({ number: '4242424242424242', exp_month: 12, exp_year: 2030 });
    expect(summary).toEqual({ brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 });
    expect(JSON.stringify(summary)).not.toContain('424242424242');
  });
});
