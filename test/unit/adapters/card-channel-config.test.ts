import { ConfigurationError } from '../../../lambdas/shared/config';
import { DEFAULT_CHANNEL_TIMEOUT_MS, cardChannelConfigFromEnv, cardChannelFromEnv } from '../../../lambdas/adapters/channels/http-card-acquirer';

/** The environment contract of a card channel: <CHANNEL>_URL, <CHANNEL>_API_KEY, <CHANNEL>_TIMEOUT_MS. */
it('reads a channel from its upper-cased variables, with the default timeout', () => {
  const config = cardChannelConfigFromEnv('atlas', { ATLAS_URL: 'https://acquirer.example/api/', ATLAS_API_KEY: 'sk_live_x' });
  expect(config).toEqual({ channel: 'atlas', baseUrl: 'https://acquirer.example/api', apiKey: 'sk_live_x', timeoutMs: DEFAULT_CHANNEL_TIMEOUT_MS });
  expect(cardChannelFromEnv('atlas', { ATLAS_URL: 'http://127.0.0.1:4000', ATLAS_API_KEY: 'k', ATLAS_TIMEOUT_MS: '2500' }).channel).toBe('atlas');
});

it('allows plain http only to a loopback host', () => {
  expect(cardChannelConfigFromEnv('boreal', { BOREAL_URL: 'http://localhost:9', BOREAL_API_KEY: 'k' }).baseUrl).toBe('http://localhost:9');
  expect(() => cardChannelConfigFromEnv('boreal', { BOREAL_URL: 'http://acquirer.example', BOREAL_API_KEY: 'k' })).toThrow(
    /BOREAL_URL: must be https/,
  );
});

it('names every missing or malformed variable at once', () => {
  let error: unknown;
  try {
    cardChannelConfigFromEnv('atlas', { ATLAS_URL: 'not a url', ATLAS_TIMEOUT_MS: '5' });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  expect((error as Error).message).toContain('ATLAS_URL');
  expect((error as Error).message).toContain('ATLAS_API_KEY');
  expect((error as Error).message).toContain('ATLAS_TIMEOUT_MS');
});

it('refuses a channel name that cannot be a variable prefix', () => {
  expect(() => cardChannelConfigFromEnv('Atlas-1', {})).toThrow(ConfigurationError);
});
