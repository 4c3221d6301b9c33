import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { secretsManagerClient } from './clients';
import { ConfigurationError, optionalVariable, requiredVariable, storeSecretValue } from './config';

/**
 * A function's secrets (platform/functions.ts `secrets`, plus the channel API keys of functions that talk
 * to channels), refreshed at the start of every invocation into the environment variables the code reads.
 *
 * In AWS, lib/ sets `SECRET_NAMES` (the variables to fill) and `<NAME>_SECRET_ID` (the Secrets Manager
 * secret holding each), and grants GetSecretValue on exactly those. Values come through Powertools
 * Parameters' SecretsProvider, which keeps each for `SECRET_MAX_AGE_SECONDS` and then asks Secrets Manager
 * again: a rotated secret reaches warm instances within that time, at one GetSecretValue per secret per
 * instance per max age (not one per invocation). Locally the variables hold the values already and
 * `SECRET_NAMES` is absent, so this does nothing.
 *
 * Adapters that keep a secret (a channel's API key in its configuration) are built for one secrets
 * generation: `secretsGeneration()` changes whenever a refreshed value differs, and the directories that
 * cache adapters (payment-deps, payout-rails) build them again.
 */
export const SECRET_MAX_AGE_SECONDS = 300;

const maxAgeSeconds = (): number => {
  const configured = Number(optionalVariable('SECRETS_MAX_AGE_SECONDS'));
  return Number.isInteger(configured) && configured > 0 ? configured : SECRET_MAX_AGE_SECONDS;
};

let provider: SecretsProvider | undefined;
let generation = 0;
let refreshing: Promise<void> | undefined;

const refresh = async (): Promise<void> => {
  const names = (optionalVariable('SECRET_NAMES') ?? '').split(',').filter(Boolean);
  if (names.length === 0) return;
  provider ??= new SecretsProvider({ awsSdkV3Client: secretsManagerClient() });
  const source = provider;
  const maxAge = maxAgeSeconds();
  const values = await Promise.all(
    names.map(async (name) => {
      const secretId = requiredVariable(`${name}_SECRET_ID`);
      const value = await source.get(secretId, { maxAge });
      if (typeof value !== 'string' || value === '') throw new ConfigurationError(`Secret ${secretId} has no string value`);
      return [name, value] as const;
    }),
  );
  let changed = false;
  for (const [name, value] of values) {
    if (storeSecretValue(name, value)) changed = true;
  }
  if (changed) generation += 1;
};

/**
 * Bring the declared secrets up to date (a cache hit within the max age: no call). Concurrent callers in
 * one instance share one refresh; a failed refresh is not remembered, and the last good values stay.
 */
export const loadDeclaredSecrets = (): Promise<void> => {
  refreshing ??= refresh().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
};

/** Changes whenever a refresh brought a new value: adapters built for an older generation are stale. */
export const secretsGeneration = (): number => generation;

/**
 * A cache of adapters built from configuration that includes secrets: `get(key)` builds on first use and
 * again after the secrets changed (a rotation), so a warm instance stops using a retired API key.
 */
export const secretBoundCache = <Key, Value>(build: (key: Key) => Value): ((key: Key) => Value) => {
  const built = new Map<Key, { readonly generation: number; readonly value: Value }>();
  return (key) => {
    const cached = built.get(key);
    if (cached && cached.generation === generation) return cached.value;
    const value = build(key);
    built.set(key, { generation, value });
    return value;
  };
};
