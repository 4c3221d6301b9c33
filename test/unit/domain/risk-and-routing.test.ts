import { cardChannels } from '../../../platform/channels';
import { DECLINE_THRESHOLD, MAX_ATTEMPTS_PER_CARD, assessRisk, velocityWindow } from '../../../lambdas/domain/risk';
import { NoChannelAvailableError, channelFee, chooseChannel } from '../../../lambdas/domain/routing';

const signals = (overrides: Partial<Parameters<typeof assessRisk>[0]> = {}) => ({
  amount: 1999,
  minorUnits: 2,
  card: { bin: '400012', last4: '3456' },
  attemptsWithCard: 1,
  ...overrides,
});

describe('assessRisk', () => {
  it('approves an ordinary payment with a zero score', () => {
    expect(assessRisk(signals())).toEqual({ decision: 'approve', score: 0, reasons: [] });
  });

  it('declines the block-listed card', () => {
    expect(assessRisk(signals({ card: { bin: '410000', last4: '0019' } }))).toMatchObject({ decision: 'decline', reasons: ['blocked_card'] });
  });

  it(`declines past ${MAX_ATTEMPTS_PER_CARD} payments per card in the window, not at it`, () => {
    expect(assessRisk(signals({ attemptsWithCard: MAX_ATTEMPTS_PER_CARD })).decision).toBe('approve');
    expect(assessRisk(signals({ attemptsWithCard: MAX_ATTEMPTS_PER_CARD + 1 }))).toMatchObject({ decision: 'decline', reasons: ['card_velocity'] });
  });

  it('exempts only the documented always-approve test cards from velocity', () => {
    expect(assessRisk(signals({ card: { bin: '424242', last4: '4242' }, attemptsWithCard: 50 })).decision).toBe('approve');
    expect(assessRisk(signals({ card: { bin: '555555', last4: '4444' }, attemptsWithCard: 50 })).decision).toBe('approve');
    expect(assessRisk(signals({ card: { bin: '424242', last4: '4241' }, attemptsWithCard: 50 })).decision).toBe('decline');
  });

  it('scores a large amount in major units of its currency, whatever its minor units', () => {
    expect(assessRisk(signals({ amount: 100_000_000, minorUnits: 2 }))).toMatchObject({ score: 30, decision: 'approve' });
    expect(assessRisk(signals({ amount: 1_000_000, minorUnits: 0 }))).toMatchObject({ score: 30 });
    expect(assessRisk(signals({ amount: 999_999, minorUnits: 0 })).score).toBe(0);
    expect(30).toBeLessThan(DECLINE_THRESHOLD);
  });

  it('puts moments in ten-minute windows', () => {
    expect(velocityWindow(new Date('2026-11-21T12:09:59.999Z'))).toBe('2026-11-21T12:00:00.000Z');
    expect(velocityWindow(new Date('2026-11-21T12:10:00.000Z'))).toBe('2026-11-21T12:10:00.000Z');
  });
});

describe('chooseChannel', () => {
  it('sends a currency only one channel settles to that channel', () => {
    expect(chooseChannel(cardChannels, { amount: 1000, currency: 'USD' }).channel).toBe('atlas');
    expect(chooseChannel(cardChannels, { amount: 1000, currency: 'JPY' }).channel).toBe('boreal');
  });

  it('picks the cheaper channel for the amount where both settle the currency', () => {
    // atlas: 2.90% + 0.25 EUR; boreal: 1.90% + 0.35 EUR. Small amounts favour atlas, larger ones boreal.
    expect(chooseChannel(cardChannels, { amount: 500, currency: 'EUR' }).channel).toBe('atlas');
    expect(chooseChannel(cardChannels, { amount: 5000, currency: 'EUR' }).channel).toBe('boreal');
  });

  it('skips unavailable channels, and fails when none is left', () => {
    expect(chooseChannel(cardChannels, { amount: 5000, currency: 'EUR' }, new Set(['boreal'])).channel).toBe('atlas');
    expect(() => chooseChannel(cardChannels, { amount: 5000, currency: 'USD' }, new Set(['atlas']))).toThrow(NoChannelAvailableError);
    expect(() => chooseChannel(cardChannels, { amount: 5000, currency: 'INR' })).toThrow(NoChannelAvailableError);
  });

  it('computes fees as the contract does: percentage rounded half up, plus the fixed part', () => {
    expect(channelFee(cardChannels.atlas, 1999, 'USD')).toBe(58 + 30);
    expect(channelFee(cardChannels.boreal, 1500, 'JPY')).toBe(29 + 40);
    expect(channelFee(cardChannels.boreal, 50, 'KWD')).toBe(1 + 100);
  });
});
