import { KmsEnvelopeCipher } from '../adapters/crypto/envelope-cipher';
import { kmsKeyArnFromEnv } from '../adapters/crypto/key-arn';
import { EnvelopeWebhookSecretBox } from '../adapters/crypto/webhook-secret-box';
import type { WebhookSecretBox } from '../ports/webhook-delivery';
import { kmsClient } from '../shared/clients';

/**
 * The webhook secret box of this function instance (envelope encryption under the data key, purpose
 * `webhook-secret`); part of the webhooks area's composition root, apart from ./webhooks.ts so that only the functions declared to encrypt or decrypt
 * webhook secrets (create, rotate, deliver) bundle the Encryption SDK and the KMS client.
 */
let secretBox: WebhookSecretBox | undefined;
export const webhookSecretBox = (): WebhookSecretBox => {
  if (!secretBox) {
    const dataKey = kmsKeyArnFromEnv('data');
    secretBox = new EnvelopeWebhookSecretBox(new KmsEnvelopeCipher({ key: dataKey, client: kmsClient(dataKey.region) }));
  }
  return secretBox;
};
