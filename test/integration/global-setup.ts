import { startDynamoDbLocal } from '../../local/dynamodb-local';

/** One DynamoDB Local for the whole integration suite; each test file isolates itself by access key. */
export default async function globalSetup(): Promise<void> {
  const dynamoDb = await startDynamoDbLocal({ sharedDb: false });
  process.env.TEST_DYNAMODB_ENDPOINT = dynamoDb.endpoint;
  (globalThis as { __dynamoDbLocal?: typeof dynamoDb }).__dynamoDbLocal = dynamoDb;
}
