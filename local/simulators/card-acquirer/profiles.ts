import { cardChannels } from '../../../platform/channels';
import type { CardAcquirerOptions } from './server';

/**
 * The two simulated acquirers the local runtime runs as card channels, bound by the contracts in
 * platform/channels.ts (currencies, fees) that routing also reads; latency is the simulator's own. They overlap on EUR, GBP and BRL
 * so routing has a real choice there: atlas charges a higher percentage and a lower fixed fee (cheaper
 * below about 10.00 EUR/GBP), boreal the reverse, and boreal is slower with a longer tail.
 * Fixed fees are minor units of each currency (KWD has 3 decimals: 100 = 0.100 KWD).
 */
export type AcquirerProfile = Pick<CardAcquirerOptions, 'supportedCurrencies' | 'fees' | 'latency'>;

export const ACQUIRER_PROFILES = {
  atlas: {
    supportedCurrencies: cardChannels.atlas.supportedCurrencies,
    fees: cardChannels.atlas.fees,
    latency: { kind: 'uniform', minMs: 20, maxMs: 90 },
  },
  boreal: {
    supportedCurrencies: cardChannels.boreal.supportedCurrencies,
    fees: cardChannels.boreal.fees,
    latency: { kind: 'lognormal', medianMs: 70, sigma: 0.5, maxMs: 1_500 },
  },
} as const satisfies Record<string, AcquirerProfile>;

export type AcquirerName = keyof typeof ACQUIRER_PROFILES;
