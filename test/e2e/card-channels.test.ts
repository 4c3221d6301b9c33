import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cardChannelFromEnv, channelEnvPrefix } from '../../lambdas/adapters/channels/http-card-acquirer';

/**
 * `npm start` runs the two simulated acquirers as card channels: reachable through the adapter built from
 * the same environment contract the functions read, each with its own currencies.
 */
interface RuntimeFile {
  readonly cardChannels: readonly { readonly name: string; readonly url: string; readonly apiKey: string }[];
}

const runtime = (): RuntimeFile => {
  const stateDir = process.env.E2E_STATE_DIR;
  if (!stateDir) throw new Error('E2E_STATE_DIR is unset: run e2e tests through jest (global setup)');
  return JSON.parse(readFileSync(join(stateDir, 'runtime.json'), 'utf8')) as RuntimeFile;
};

const channelNamed = (name: string) => {
  const entry = runtime().cardChannels.find((channel) => channel.name === name);
  if (!entry) throw new Error(`runtime.json lists no channel ${name}`);
  const prefix = channelEnvPrefix(name);
  return cardChannelFromEnv(name, { [`${prefix}_URL`]: entry.url, [`${prefix}_API_KEY`]: entry.apiKey });
};

const command = (currency: string) => ({
  idempotencyKey: `e2e-${currency}-${Date.now()}`,
  amount: 1_000,
  currency,
  card: { number: '4242424242424242', expMonth: 12, expYear: 2031, cvc: '123' },
  merchantReference: 'mer_e2e',
  paymentReference: `pay_e2e_${Date.now()}`,
  captureMethod: 'manual' as const,
});

it('runs atlas and boreal on loopback ports', () => {
  const channels = runtime().cardChannels;
  expect(channels.map((channel) => channel.name)).toEqual(['atlas', 'boreal']);
  for (const channel of channels) expect(channel.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

it('authorizes EUR at both, USD only at atlas, JPY only at boreal', async () => {
  const atlas = channelNamed('atlas');
  const boreal = channelNamed('boreal');
  expect((await atlas.authorize(command('EUR'))).status).toBe('authorized');
  expect((await boreal.authorize(command('EUR'))).status).toBe('authorized');
  expect((await atlas.authorize(command('USD'))).channel).toBe('atlas');
  await expect(boreal.authorize(command('USD'))).rejects.toMatchObject({ name: 'ChannelRequestRejected', code: 'currency_not_supported' });
  expect((await boreal.authorize(command('JPY'))).channel).toBe('boreal');
  await expect(atlas.authorize(command('JPY'))).rejects.toMatchObject({ name: 'ChannelRequestRejected', code: 'currency_not_supported' });
});
