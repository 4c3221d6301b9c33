import { DynamoDbCardHolds } from '../adapters/dynamodb/card-holds';
import { dynamoDbDocumentClient } from '../shared/clients';
import { tableNameFromEnv } from '../shared/config';
import { envelopeKeys } from './envelope-keys';

/**
 * The card holds of this function instance, built once: the regional `cardHolds` table, the data key and the
 * fingerprint key from the environment (CARD_HOLDS_TABLE_NAME, DATA_KEY_ARN, FINGERPRINT_KEY_ARN; a missing or
 * malformed one fails at start). What the function may do with them (hold: encrypt `card`; reveal: decrypt
 * `card`) is decided by its IAM role, from its declaration in platform/functions.ts.
 */
let holds: DynamoDbCardHolds | undefined;

export const cardHoldsFromEnvironment = (): DynamoDbCardHolds => {
  if (!holds) {
    holds = new DynamoDbCardHolds({ client: dynamoDbDocumentClient(), tableName: tableNameFromEnv('cardHolds'), ...envelopeKeys() });
  }
  return holds;
};
