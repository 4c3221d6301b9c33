import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMS } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools';

/**
 * The one place AWS SDK clients are built, once per function instance. Endpoints come from the standard
 * SDK variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_KMS...), which only the local runtime and
 * tests set.
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

const regionalDocumentClients = new Map<string, DynamoDBDocumentClient>();

/**
 * A document client for a global table's replica in another region (the home-region move reads the marker
 * there, docs/decisions/0024). Locally AWS_ENDPOINT_URL_DYNAMODB sends it to the one DynamoDB Local.
 */
export const dynamoDbDocumentClientIn = (region: string): DynamoDBDocumentClient => {
  let client = regionalDocumentClients.get(region);
  if (!client) {
    client = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({ region, maxAttempts: 5 })), {
      marshallOptions: { removeUndefinedValues: true },
    });
    regionalDocumentClients.set(region, client);
  }
  return client;
};

const kmsClients = new Map<string, KMS>();

/**
 * The aggregated `KMS` client (the Encryption SDK's keyrings call `generateDataKey`/`decrypt` methods, which
 * the bare KMSClient lacks), one per region: a key's region comes from its ARN, so a function can use the
 * replica of a multi-Region key wherever it runs. The SDK itself honours AWS_ENDPOINT_URL_KMS.
 */
export const kmsClient = (region: string): KMS => {
  let client = kmsClients.get(region);
  if (!client) {
    client = tracer.captureAWSv3Client(new KMS({ region, maxAttempts: 3 }));
    kmsClients.set(region, client);
  }
  return client;
};

let sfn: SFNClient | undefined;

/**
 * Step Functions (StartSyncExecution, StartExecution, SendTaskSuccess...). Locally AWS_ENDPOINT_URL_SFN
 * points it at local/step-functions. StartSyncExecution goes to the `sync-states` host in AWS (the SDK adds
 * a `sync-` host prefix); an endpoint given explicitly (local, or a VPC endpoint) is used as it is.
 */
export const sfnClient = (): SFNClient => {
  sfn ??= tracer.captureAWSv3Client(new SFNClient({ maxAttempts: 5, disableHostPrefix: Boolean(process.env.AWS_ENDPOINT_URL_SFN) }));
  return sfn;
};

let sfnSync: SFNClient | undefined;

/**
 * Step Functions for StartSyncExecution only, without the SDK's retries: a retry after a lost connection
 * would start a second run of the same workflow while the first may still be going. A call that fails is
 * an outcome the caller handles (the object stays in flight and the sweeper recovers it).
 */
export const sfnSyncClient = (): SFNClient => {
  sfnSync ??= tracer.captureAWSv3Client(new SFNClient({ maxAttempts: 1, disableHostPrefix: Boolean(process.env.AWS_ENDPOINT_URL_SFN) }));
  return sfnSync;
};

let secretsManager: SecretsManagerClient | undefined;

/** Secrets Manager, for the secrets a function declares (lambdas/shared/secrets.ts). */
export const secretsManagerClient = (): SecretsManagerClient => {
  secretsManager ??= tracer.captureAWSv3Client(new SecretsManagerClient({ maxAttempts: 5 }));
  return secretsManager;
};

let sqs: SQSClient | undefined;

/** SQS (the webhook delivery queue). Locally AWS_ENDPOINT_URL_SQS points it at local/sqs.ts. */
export const sqsClient = (): SQSClient => {
  sqs ??= tracer.captureAWSv3Client(new SQSClient({ maxAttempts: 5 }));
  return sqs;
};
