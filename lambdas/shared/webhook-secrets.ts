import { KmsEnvelopeCipher } from '../adapters/crypto/envelope-cipher';
import { kmsKeyArnFromEnv } from '../adapters/crypto/key-arn';
import { EnvelopeWebhookSecretBox } from '../adapters/crypto/webhook-secret-box';
import { kmsClient } from './clients';

/**
 * The webhook secret box of this function instance (envelope encryption under the data key, purpose
 * `webhook-secret`). Apart from ./webhooks.ts so that only the functions declared to encrypt or decrypt
 * webhook secrets (create, rotate, deliver) bundle the Encryption SDK and the KMS client.
 */
let secretBox: EnvelopeWebhookSecretBox | undefined;
export const webhookSecretBoxFromEnvironment = (): EnvelopeWebhookSecretBox => {
  if (!secretBox) {
    const dataKey = kmsKeyArnFromEnv('data');
    secretBox = new EnvelopeWebhookSecretBox(new KmsEnvelopeCipher({ key: dataKey, client: kmsClient(dataKey.region) }));
  }
  return secretBox;
};
