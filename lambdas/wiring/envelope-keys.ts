import { type EnvelopeCipher, KmsEnvelopeCipher } from '../adapters/crypto/envelope-cipher';
import { type Fingerprinter, KmsFingerprinter } from '../adapters/crypto/fingerprinter';
import { kmsKeyArnFromEnv } from '../adapters/crypto/key-arn';
import { kmsClient } from '../shared/clients';

/**
 * The data key (envelope encryption) and the fingerprint key (HMAC) of the card holds and the vault, from the
 * environment (DATA_KEY_ARN, FINGERPRINT_KEY_ARN; a missing or malformed one fails at start), each with a KMS
 * client in its key's region. What a function may do with them is decided by its IAM role (platform/functions.ts).
 */
export const envelopeKeys = (): { readonly cipher: EnvelopeCipher; readonly fingerprints: Fingerprinter } => {
  const dataKey = kmsKeyArnFromEnv('data');
  const fingerprintKey = kmsKeyArnFromEnv('fingerprint');
  return {
    cipher: new KmsEnvelopeCipher({ key: dataKey, client: kmsClient(dataKey.region) }),
    fingerprints: new KmsFingerprinter({ key: fingerprintKey, client: kmsClient(fingerprintKey.region) }),
  };
};
