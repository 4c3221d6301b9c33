import type { CardAcquirerOptions } from './server';

/**
 * The two simulated acquirers the local runtime runs as card channels. They overlap on EUR, GBP and BRL
 * so routing has a real choice there: atlas charges a higher percentage and a lower fixed fee (cheaper
 * below about 10.00 EUR/GBP), boreal the reverse, and boreal is slower with a longer tail.
 * Fixed fees are minor units of each currency (KWD has 3 decimals: 100 = 0.100 KWD).
 */
export type AcquirerProfile = Pick<CardAcquirerOptions, 'supportedCurrencies' | 'fees' | 'latency'>;

export const ACQUIRER_PROFILES = {
  atlas: {
    supportedCurrencies: ['USD', 'EUR', 'GBP', 'CAD', 'MXN', 'BRL'],
    fees: { percentBps: 290, fixed: { USD: 30, EUR: 25, GBP: 20, CAD: 30, MXN: 300, BRL: 50 } },
    latency: { kind: 'uniform', minMs: 20, maxMs: 90 },
  },
  boreal: {
    supportedCurrencies: ['EUR', 'GBP', 'BRL', 'CHF', 'SEK', 'JPY', 'KRW', 'KWD'],
    fees: { percentBps: 190, fixed: { EUR: 35, GBP: 30, BRL: 80, CHF: 35, SEK: 300, JPY: 40, KRW: 400, KWD: 100 } },
    latency: { kind: 'lognormal', medianMs: 70, sigma: 0.5, maxMs: 1_500 },
  },
} as const satisfies Record<string, AcquirerProfile>;

export type AcquirerName = keyof typeof ACQUIRER_PROFILES;
