import { discardHeldCvc } from '../adapters/dynamodb/vault';
import type { CardVault } from '../ports/card-vault';
import { dynamoDbDocumentClient } from './clients';
import { tableNameFromEnv } from './config';

/**
 * Only the CVC discard, for functions that end payments and hold no KMS permission (vault UpdateItem only).
 * Its own module so those functions bundle neither the Encryption SDK nor the KMS client.
 */
export const cvcDiscarder = (): Pick<CardVault, 'discardCvc'> => {
  const tableName = tableNameFromEnv('vault');
  return {
    discardCvc: (paymentId, merchantId) => discardHeldCvc({ client: dynamoDbDocumentClient(), tableName, now: new Date() }, paymentId, merchantId),
  };
};
