import * as z from 'zod/mini';
import { type RouteContract, listOf, nullableTimestamp, timestamp } from './common';
import { emptyBody, listQuerySchema } from './fields';

/** A merchant's own API keys: request and response schemas (docs/api.md, "API keys"). */

export const apiKeySchema = z.strictObject({
  id: z.string(),
  object: z.literal('api_key'),
  status: z.enum(['active', 'revoked']),
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

export const accessContracts = {
  createApiKey: {
    tag: 'API keys',
    summary: 'Issue another secret API key',
    description: 'The secret (`secret`) is in this answer only.',
    body: emptyBody,
    responses: { 201: { description: 'The key and, once, its secret', schema: apiKeyWithSecretSchema } },
  },
  listApiKeys: {
    tag: 'API keys',
    summary: "List the merchant's API keys",
    query: listQuerySchema('api_key'),
    responses: { 200: { description: 'One page of keys', schema: apiKeyListSchema } },
  },
  revokeApiKey: {
    tag: 'API keys',
    summary: 'Revoke an API key (never the last active one)',
    body: emptyBody,
    responses: { 200: { description: 'The revoked key', schema: apiKeySchema } },
  },
} as const satisfies Record<string, RouteContract>;
