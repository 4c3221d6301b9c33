import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localEnvironment } from '../../local/lambda-host';
import { ensureTables } from '../../local/tables';
import { deployment } from '../../platform/deployment';

/**
 * Integration tests talk to the suite's DynamoDB Local (test/integration/global-setup.ts). Each test file
 * gets its own database namespace by using its own access key (DynamoDB Local keeps one database per
 * credential and region), so files run in parallel without seeing each other's items.
 */
export const suiteDynamoDbEndpoint = (): string => {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is unset: run integration tests through jest (global setup)');
  return endpoint;
};

export interface IsolatedDynamoDb {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
}

/** Point this test file (and the handler modules it imports afterwards) at a fresh namespace. */
export const useIsolatedDynamoDb = async (endpoint = suiteDynamoDbEndpoint()): Promise<IsolatedDynamoDb> => {
  Object.assign(process.env, localEnvironment(), {
    AWS_REGION: deployment.primaryRegion,
    AWS_ACCESS_KEY_ID: `T${randomBytes(9).toString('hex').toUpperCase()}`,
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const client = new DynamoDBClient({});
  await ensureTables(client);
  return { endpoint, client, documentClient: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }) };
};
