import { cardChannels } from '../../../platform/channels';
import { NoChannelAvailableError, channelFee, chooseChannel } from '../../../lambdas/domain/routing';

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
