import { discardCardHold } from '../adapters/dynamodb/card-holds';
import { DynamoDbCardVelocity } from '../adapters/dynamodb/card-velocity';
import type { CardHolds } from '../ports/card-holds';
import type { CardVelocity } from '../ports/card-velocity';
import { dynamoDbDocumentClient } from '../shared/clients';
import { tableNameFromEnv } from '../shared/config';

/**
 * What functions without any KMS permission do with the `cardHolds` table: discard a hold (they can never
 * read one: the ending steps of a payment) and count card velocity (screening). Their own module, so those
 * functions bundle neither the Encryption SDK nor the KMS client.
 */
export const cardHoldDiscarder = (): Pick<CardHolds, 'discard'> => {
  const tableName = tableNameFromEnv('cardHolds');
  return {
    discard: (paymentId, merchantId) => discardCardHold({ client: dynamoDbDocumentClient(), tableName, now: new Date() }, paymentId, merchantId),
  };
};

let velocity: CardVelocity | undefined;

export const cardVelocity = (): CardVelocity => {
  velocity ??= new DynamoDbCardVelocity(dynamoDbDocumentClient(), tableNameFromEnv('cardHolds'));
  return velocity;
};
