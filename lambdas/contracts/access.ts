import * as z from 'zod/mini';
import { API_KEY_SCOPES, type ApiKeyScope } from '../domain/api-key';
import { type RouteContract, listOf, nullableTimestamp, timestamp } from './common';
import { createdListQuerySchema, emptyBody } from './fields';

/** A merchant's own API keys: request and response schemas (docs/api.md, "API keys"). */

export const apiKeySchema = z.strictObject({
  id: z.string(),
  object: z.literal('api_key'),
  status: z.enum(['active', 'revoked']),
  /** A restricted key (`rk_test_`) can call only the routes its `scopes` open; a secret key has `scopes: null`. */
  restricted: z.boolean(),
  scopes: z.nullable(z.array(z.enum(API_KEY_SCOPES as [ApiKeyScope, ...ApiKeyScope[]]))),
  /** The key's lookup prefix and asterisks: never the secret. */
  redacted_key: z.string(),
  created_at: timestamp,
  revoked_at: nullableTimestamp,
  livemode: z.boolean(),
});
export type ApiKeyJson = z.output<typeof apiKeySchema>;

/** The create answer adds the secret key, once: a replay of the same request answers without it. */
export const apiKeyWithSecretSchema = z.strictObject({ ...apiKeySchema.def.shape, secret: z.optional(z.string()) });

export const apiKeyListSchema = listOf(apiKeySchema);

export const accessSchemas = { ApiKey: apiKeySchema, ApiKeyWithSecret: apiKeyWithSecretSchema, ApiKeyList: apiKeyListSchema };

/** `{}` (a secret key) or `{"scopes": [...]}` (a restricted key). */
export const createApiKeyBody = z.strictObject({
  scopes: z.optional(
    z.array(z.enum(API_KEY_SCOPES as [ApiKeyScope, ...ApiKeyScope[]], { error: `each scope must be one of ${API_KEY_SCOPES.join(', ')}` })).check(
      z.minLength(1, 'must name at least one scope (omit it for a secret key)'),
      z.maxLength(API_KEY_SCOPES.length, `must name at most ${API_KEY_SCOPES.length} scopes`),
    ),
  ),
});

export const accessContracts = {
  createApiKey: {
    tag: 'API keys',
    summary: 'Issue another secret API key, or a restricted key',
    description:
      'Without `scopes`, a secret key (at most two active). With `scopes`, a restricted key limited to them (`write` includes `read`); a restricted caller may only create restricted keys within its own scopes. The secret (`secret`) is in this answer only.',
    body: createApiKeyBody,
    responses: { 201: { description: 'The key and, once, its secret', schema: apiKeyWithSecretSchema } },
  },
  listApiKeys: {
    tag: 'API keys',
    summary: "List the merchant's API keys",
    description: 'Newest first. `created[gte|gt|lte|lt]` bound the creation time (Unix seconds or ISO 8601); `ending_before` pages back toward newer objects.',
    query: createdListQuerySchema('api_key'),
    responses: { 200: { description: 'One page of keys', schema: apiKeyListSchema } },
  },
  revokeApiKey: {
    tag: 'API keys',
    summary: 'Revoke an API key (never the last active one)',
    body: emptyBody,
    responses: { 200: { description: 'The revoked key', schema: apiKeySchema } },
  },
} as const satisfies Record<string, RouteContract>;
