import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools';

/**
 * The one place AWS SDK clients are built, once per function instance. Endpoints come from the standard
 * SDK variables (AWS_ENDPOINT_URL_DYNAMODB...), which only the local runtime and tests set.
 */
let dynamoDb: DynamoDBClient | undefined;
let documentClient: DynamoDBDocumentClient | undefined;

export const dynamoDbClient = (): DynamoDBClient => {
  dynamoDb ??= tracer.captureAWSv3Client(new DynamoDBClient({ maxAttempts: 5 }));
  return dynamoDb;
};

export const dynamoDbDocumentClient = (): DynamoDBDocumentClient => {
  documentClient ??= DynamoDBDocumentClient.from(dynamoDbClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
};
