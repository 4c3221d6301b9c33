import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpCardChannel } from '../../lambdas/adapters/channels/http-card-acquirer';
import type { AuthorizeCommand, CardChannel } from '../../lambdas/ports/card-channel';
import { ACQUIRER_PROFILES } from '../../local/simulators/card-acquirer/profiles';
import { type CardAcquirerOptions, type CardAcquirerSimulator, startCardAcquirer } from '../../local/simulators/card-acquirer/server';

/**
 * A simulated acquirer for a test (atlas's profile, no latency unless asked) and the real HTTP adapter
 * pointed at it, plus the simulator's inspection endpoints.
 */
export const TEST_API_KEY = 'sk_test_acquirer';

export const startTestAcquirer = (overrides: Partial<CardAcquirerOptions> = {}): Promise<CardAcquirerSimulator> =>
  startCardAcquirer({ name: 'atlas', apiKey: TEST_API_KEY, ...ACQUIRER_PROFILES.atlas, latency: { kind: 'none' }, ...overrides });

export const channelTo = (acquirer: CardAcquirerSimulator, options: { timeoutMs?: number; apiKey?: string } = {}): CardChannel =>
  createHttpCardChannel({ channel: acquirer.name, baseUrl: acquirer.url, apiKey: options.apiKey ?? TEST_API_KEY, timeoutMs: options.timeoutMs ?? 5_000 });

export const ledgerDirectory = (): string => join(mkdtempSync(join(tmpdir(), 'xborder-acquirer-')), 'atlas');

let counter = 0;
/** A unique key per call: tests that want a replay reuse the command they built. */
export const uniqueKey = (label: string): string => `${label}-${process.pid}-${Date.now()}-${(counter += 1)}`;

export const authorizeCommand = (overrides: Partial<AuthorizeCommand> & { number?: string } = {}): AuthorizeCommand => {
  const { number, ...rest } = overrides;
  return {
    idempotencyKey: uniqueKey('auth'),
    amount: 1_000,
    currency: 'USD',
    card: { number: number ?? '4242424242424242', expMonth: 12, expYear: 2031, cvc: '987' },
    merchantReference: 'mer_test',
    paymentReference: uniqueKey('pay'),
    captureMethod: 'manual',
    ...rest,
  };
};

export interface PaymentTotals {
  readonly payment_reference: string;
  readonly currency: string;
  readonly approved: number;
  readonly declined: number;
  readonly authorized: number;
  readonly captured: number;
  readonly refunded: number;
  readonly released: number;
}

export const inspect = async <Body = unknown>(acquirer: CardAcquirerSimulator, path: string): Promise<Body> => {
  const response = await fetch(`${acquirer.url}${path}`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as Body;
};

/** What the acquirer recorded for one payment reference (all currencies summed: tests use one). */
export const paymentTotals = async (acquirer: CardAcquirerSimulator, paymentReference: string): Promise<PaymentTotals | undefined> => {
  const { payments } = await inspect<{ payments: PaymentTotals[] }>(acquirer, '/__simulator/totals');
  return payments.find((payment) => payment.payment_reference === paymentReference);
};

/** Poll until `check` stops throwing (or the deadline passes, rethrowing its last error). */
export const eventually = async <T>(check: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((wait) => setTimeout(wait, 25));
    }
  }
};
