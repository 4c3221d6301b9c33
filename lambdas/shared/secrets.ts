import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from './clients';
import { ConfigurationError } from './config';

/**
 * A function's secrets (platform/functions.ts `secrets`, plus the channel API keys of functions that talk
 * to channels), loaded once per cold start into the environment variables the code reads.
 *
 * In AWS, lib/ sets `SECRET_NAMES` (the variables to fill) and `<NAME>_SECRET_ID` (the Secrets Manager
 * secret holding each), and grants GetSecretValue on exactly those. Locally the variables hold the values
 * already and `SECRET_NAMES` is absent, so this does nothing.
 */
let loading: Promise<void> | undefined;

const load = async (): Promise<void> => {
  const names = (process.env.SECRET_NAMES ?? '').split(',').filter(Boolean);
  await Promise.all(
    names.map(async (name) => {
      if (process.env[name]) return;
      const secretId = process.env[`${name}_SECRET_ID`];
      if (!secretId) throw new ConfigurationError(`Invalid environment: ${name}_SECRET_ID is not set`);
      const secret = await secretsManagerClient().send(new GetSecretValueCommand({ SecretId: secretId }));
      if (!secret.SecretString) throw new ConfigurationError(`Secret ${secretId} has no string value`);
      process.env[name] = secret.SecretString;
    }),
  );
};

export const loadDeclaredSecrets = (): Promise<void> => {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
};
