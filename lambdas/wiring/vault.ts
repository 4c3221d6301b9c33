import { DynamoDbVault } from '../adapters/dynamodb/vault';
import { dynamoDbDocumentClient } from '../shared/clients';
import { tableNameFromEnv } from '../shared/config';
import { envelopeKeys } from './envelope-keys';

/**
 * The vault of this function instance, built once: the `vault` table, the data key and the fingerprint
 * key from the environment (VAULT_TABLE_NAME, DATA_KEY_ARN, FINGERPRINT_KEY_ARN; a missing or malformed
 * one fails at start). What the function may actually do with it (encrypt, decrypt which purposes) is
 * decided by its IAM role, from its declaration in platform/functions.ts.
 */
let vault: DynamoDbVault | undefined;

export const vaultFromEnvironment = (): DynamoDbVault => {
  if (!vault) {
    vault = new DynamoDbVault({ client: dynamoDbDocumentClient(), tableName: tableNameFromEnv('vault'), ...envelopeKeys() });
  }
  return vault;
};
