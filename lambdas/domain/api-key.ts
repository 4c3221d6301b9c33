import { createHash, timingSafeEqual } from 'node:crypto';
import { deployment } from '../../platform/deployment';
import { API_KEY_ID_LENGTH, deriveId, isIdOf, randomToken } from './ids';

/**
 * Merchant secret API keys: `sk_test_<key id>_<secret>` (`sk_live_` in a live stage: platform/deployment.ts).
 * The key id is the lookup handle (it is not secret); only a SHA-256 of the whole key is stored. The secret
 * has 160 random bits, so a fast hash is enough (nothing to brute-force), and comparison is constant-time.
 * A stage accepts only its own prefix: a test key never authenticates against live money, nor the reverse.
 */
export const API_KEY_PREFIX = deployment.live ? 'sk_live_' : 'sk_test_';
/**
 * Restricted keys (`rk_test_` / `rk_live_`, as Stripe's): the same format, limited to the scopes they were
 * created with. The prefix is part of what is hashed, so a restricted key's secret under the other prefix
 * matches nothing.
 */
export const RESTRICTED_KEY_PREFIX = deployment.live ? 'rk_live_' : 'rk_test_';
const KEY_ID_LENGTH = API_KEY_ID_LENGTH;
const SECRET_LENGTH = 32;
const API_KEY_PATTERN = new RegExp(`^(${API_KEY_PREFIX}|${RESTRICTED_KEY_PREFIX})([a-z2-7]{${KEY_ID_LENGTH}})_([a-z2-7]{${SECRET_LENGTH}})$`);

/**
 * What a restricted key's scopes name: the merchant API's resources (platform/routes.ts maps every route to
 * one). `write` includes `read`. A secret key has every scope.
 */
export const API_KEY_RESOURCES = ['payments', 'refunds', 'balances', 'fx', 'beneficiaries', 'payouts', 'webhook_endpoints', 'events', 'api_keys', 'risk_rules', 'routing_rules'] as const;
export type ApiKeyResource = (typeof API_KEY_RESOURCES)[number];
export type ApiKeyAccess = 'read' | 'write';
export type ApiKeyScope = `${ApiKeyResource}:${ApiKeyAccess}`;
export const API_KEY_SCOPES: readonly ApiKeyScope[] = API_KEY_RESOURCES.flatMap((resource) => [`${resource}:read`, `${resource}:write`] as const);

/** Restricted keys a merchant may hold active at once (apart from its two secret keys). */
export const MAX_ACTIVE_RESTRICTED_KEYS = 10;

/** Whether scopes (undefined: a secret key's, all) allow an access to a resource. */
export const scopesAllow = (scopes: readonly ApiKeyScope[] | undefined, resource: ApiKeyResource, access: ApiKeyAccess): boolean =>
  scopes === undefined || scopes.includes(`${resource}:${access}`) || (access === 'read' && scopes.includes(`${resource}:write`));

/** Whether every one of `requested` is allowed by `held` (a key may only hand on what it has). */
export const scopesWithin = (requested: readonly ApiKeyScope[], held: readonly ApiKeyScope[] | undefined): boolean =>
  requested.every((scope) => {
    const [resource, access] = scope.split(':') as [ApiKeyResource, ApiKeyAccess];
    return scopesAllow(held, resource, access);
  });

export interface IssuedApiKey {
  readonly keyId: string;
  /** Shown once to the merchant, never stored. */
  readonly secretKey: string;
  readonly secretHash: string;
}

export const hashApiKey = (secretKey: string): string => createHash('sha256').update(secretKey).digest('hex');

/**
 * A new key: random, or with a given key id (derived from the command that creates it, so a retry of that
 * command addresses the same key). The secret is always random.
 */
export const issueApiKey = (keyId: string = randomToken(KEY_ID_LENGTH), kind: 'secret' | 'restricted' = 'secret'): IssuedApiKey => {
  const secretKey = `${kind === 'restricted' ? RESTRICTED_KEY_PREFIX : API_KEY_PREFIX}${keyId}_${randomToken(SECRET_LENGTH)}`;
  return { keyId, secretKey, secretHash: hashApiKey(secretKey) };
};

/** The key id of a well-formed key, or undefined; says nothing about validity. */
export const apiKeyId = (secretKey: string): string | undefined => API_KEY_PATTERN.exec(secretKey)?.[2];

export const apiKeyMatches = (secretKey: string, storedHash: string): boolean => {
  const presented = Buffer.from(hashApiKey(secretKey), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
};

/**
 * Rotation: a merchant may hold two active keys at once (the one in use and its successor), never more,
 * so that a rotation never needs a window without a working key and a leaked key cannot be multiplied.
 */
export const MAX_ACTIVE_API_KEYS = 2;

/** The key id a command creates: the same for every retry of that command, unguessable without it. */
export const derivedKeyId = (merchantId: string, commandId: string): string => deriveId('key', merchantId, commandId).slice(4, 4 + KEY_ID_LENGTH);

/** The public id of a key (`key_<key id>`): the key id is the lookup prefix inside the secret. */
export const publicKeyId = (keyId: string): string => `key_${keyId}`;

/** The key id inside a public key id, or undefined when it is malformed. */
export const keyIdOf = (publicId: string): string | undefined => (isIdOf('api_key', publicId) ? publicId.slice('key_'.length) : undefined);

/** What a listing may show of a key: its lookup prefix, never any of the secret. */
export const redactedApiKey = (keyId: string, restricted = false): string => `${restricted ? RESTRICTED_KEY_PREFIX : API_KEY_PREFIX}${keyId}_${'*'.repeat(8)}`;
