import { newWebhookSecret } from '../../domain/webhook-signature';
import type { WebhookSecretBox } from '../../ports/webhook-delivery';
import type { EnvelopeCipher } from './envelope-cipher';

/**
 * Webhook signing secrets under the envelope cipher of card and bank data (docs/decisions/0005 and 0016):
 * encryption context {merchant_id, purpose: webhook-secret}, the ciphertext bound to `we_...#<version>`.
 * Only the function creating endpoints may encrypt for this purpose and only the delivery function may
 * decrypt (platform/functions.ts); the secret is never stored or logged in the clear.
 */
export class EnvelopeWebhookSecretBox implements WebhookSecretBox {
  constructor(private readonly cipher: EnvelopeCipher) {}

  async create(merchantId: string, endpointId: string, version: number): Promise<{ secret: string; ciphertext: Uint8Array }> {
    const secret = newWebhookSecret();
    const plaintext = Buffer.from(secret, 'utf8');
    try {
      const ciphertext = await this.cipher.encrypt(plaintext, { merchantId, purpose: 'webhook-secret', objectId: `${endpointId}#${version}` });
      return { secret, ciphertext };
    } finally {
      plaintext.fill(0);
    }
  }

  async open(merchantId: string, endpointId: string, version: number, ciphertext: Uint8Array): Promise<string> {
    const plaintext = await this.cipher.decrypt(ciphertext, { merchantId, purpose: 'webhook-secret', objectId: `${endpointId}#${version}` });
    try {
      return plaintext.toString('utf8');
    } finally {
      plaintext.fill(0);
    }
  }
}
