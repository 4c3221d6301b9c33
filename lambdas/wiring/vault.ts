import { KmsEnvelopeCipher } from '../adapters/crypto/envelope-cipher';
import { KmsFingerprinter } from '../adapters/crypto/fingerprinter';
import { kmsKeyArnFromEnv } from '../adapters/crypto/key-arn';
import { DynamoDbVault } from '../adapters/dynamodb/vault';
import { dynamoDbDocumentClient, kmsClient } from '../shared/clients';
import { tableNameFromEnv } from '../shared/config';

/**
 * The vault of this function instance, built once: the `vault` table, the data key and the fingerprint
 * key from the environment (VAULT_TABLE_NAME, DATA_KEY_ARN, FINGERPRINT_KEY_ARN; a missing or malformed
 * one fails at start). What the function may actually do with it (encrypt, decrypt which purposes) is
 * decided by its IAM role, from its declaration in platform/functions.ts.
 */
let vault: DynamoDbVault | undefined;

export const vaultFromEnvironment = (): DynamoDbVault => {
  if (!vault) {
    const dataKey = kmsKeyArnFromEnv('data');
    const fingerprintKey = kmsKeyArnFromEnv('fingerprint');
    vault = new DynamoDbVault({
      client: dynamoDbDocumentClient(),
      tableName: tableNameFromEnv('vault'),
      cipher: new KmsEnvelopeCipher({ key: dataKey, client: kmsClient(dataKey.region) }),
      fingerprints: new KmsFingerprinter({ key: fingerprintKey, client: kmsClient(fingerprintKey.region) }),
    });
  }
  return vault;
};
