import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifies the signature of an acquirer webhook before anything in it is believed.
 * Header: `Acquirer-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=...]`.
 * Accepted when one v1 matches one of the secrets (several secrets: rotation without downtime) and t is
 * within the tolerance of now (replayed old deliveries are refused). The raw body must be the exact bytes
 * received: re-serialized JSON does not verify.
 */
export const ACQUIRER_SIGNATURE_HEADER = 'Acquirer-Signature';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export class InvalidWebhookSignatureError extends Error {
  override readonly name = 'InvalidWebhookSignatureError';
}

export interface WebhookToVerify {
  readonly payload: string;
  readonly header: string | undefined;
  readonly secrets: readonly string[];
  readonly now: Date;
  readonly toleranceSeconds?: number;
}

/** Returns the signed timestamp (unix seconds); throws InvalidWebhookSignatureError otherwise. */
export const verifyAcquirerWebhook = ({ payload, header, secrets, now, toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS }: WebhookToVerify): number => {
  if (!header) throw new InvalidWebhookSignatureError(`Missing ${ACQUIRER_SIGNATURE_HEADER} header`);
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    const name = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) throw new InvalidWebhookSignatureError('Malformed signature header');
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) {
    throw new InvalidWebhookSignatureError('Signature timestamp outside the tolerance');
  }
  const signed = `${timestamp}.${payload}`;
  const matches = secrets.some((secret) => {
    const expected = createHmac('sha256', secret).update(signed).digest();
    return signatures.some((signature) => timingSafeEqual(signature, expected));
  });
  if (!matches) throw new InvalidWebhookSignatureError('No signature matches');
  return timestamp;
};
