import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (standardwebhooks.com, "Signature scheme"): the secret is `whsec_` + base64
 * of its key bytes; a message is signed as base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")
 * and sent as `webhook-signature: v1,<signature>`, one per signing secret separated by spaces (a receiver
 * accepts any one it can verify: that is how a rotation needs no downtime).
 *
 * Written here rather than taken from the `standardwebhooks` package: it is one HMAC over node:crypto and
 * signs with several secrets at once, and the package would add two dependencies to the delivery
 * function's bundle. The tests verify these signatures with that package (and so with the spec).
 */
export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export const newWebhookSecret = (): string => `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;

const keyOf = (secret: string): Buffer => {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
};

export const signatureOf = (secret: string, id: string, timestampSeconds: number, body: string): string =>
  `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;

/** The three Standard Webhooks headers of one message. */
export const signedHeaders = (secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestampSeconds),
  'webhook-signature': secrets.map((secret) => signatureOf(secret, id, timestampSeconds, body)).join(' '),
});
