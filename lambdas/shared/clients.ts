import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { KMS } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localReplicaEndpointVariable } from './local-endpoints';
import { tracer } from './powertools';
import { optionalVariable } from './config';

/**
 * The one place AWS SDK clients are built, once per function instance. Endpoints come from the standard
 * SDK variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_KMS...), which only the local runtime and
 * tests set.
 */

/**
 * The local runtime registers a check under this symbol (local/iam/function-permissions.ts): each client built
 * here then asks it before every call, and a call the calling function's declared role would not allow fails with
 * AccessDeniedException, as in AWS (docs/decisions/0023). In AWS nothing is registered and clients get no
 * middleware; lambdas/ never imports local/.
 */
const LOCAL_AUTHORIZER = Symbol.for('xborder.local-iam.authorize');
type LocalAuthorizer = (service: string, command: string, input: unknown) => void;

/** The part of any SDK v3 client this needs; `any` stands for each client's own input and output unions. */
interface MiddlewareStackOwner {
  readonly middlewareStack: {
    add(
      middleware: (next: (args: { input: any }) => Promise<any>, context: { commandName?: string }) => (args: { input: any }) => Promise<any>,
      options: { step: 'initialize'; name: string; priority: 'high' },
    ): void;
  };
}

/** `service` is the IAM service prefix (dynamodb, kms, states, sqs, secretsmanager). */
const withLocalAuthorization = <Client extends MiddlewareStackOwner>(client: Client, service: string): Client => {
  const authorize = (globalThis as Record<symbol, unknown>)[LOCAL_AUTHORIZER] as LocalAuthorizer | undefined;
  if (authorize) {
    client.middlewareStack.add(
      (next, context) => (args) => {
        authorize(service, context.commandName ?? '', args.input);
        return next(args);
      },
      // Before the retry strategy: a refused call is not retried.
      { step: 'initialize', name: 'localIamAuthorization', priority: 'high' },
    );
  }
  return client;
};

/**
 * The local runtime also registers, under this symbol, the auth schemes its clients sign with
 * (local/local-signer.ts, docs/decisions/0061): SigV4's header with the SDK's credentials and region but no
 * signature computed, since no local service checks one. Each client built here then signs with them. In AWS
 * nothing is registered and the SDK signs as always.
 */
const LOCAL_AUTH_SCHEMES = Symbol.for('xborder.local-signer.auth-schemes');

/** `httpAuthSchemes` for a client's configuration: the local runtime's if registered, else nothing (the SDK's own). */
const localSigning = (): Pick<DynamoDBClientConfig, 'httpAuthSchemes'> => {
  const httpAuthSchemes = (globalThis as Record<symbol, unknown>)[LOCAL_AUTH_SCHEMES] as DynamoDBClientConfig['httpAuthSchemes'];
  return httpAuthSchemes ? { httpAuthSchemes } : {};
};

let dynamoDb: DynamoDBClient | undefined;
let documentClient: DynamoDBDocumentClient | undefined;

export const dynamoDbClient = (): DynamoDBClient => {
  // The document client shares this client's middleware stack, so the local check covers it too.
  dynamoDb ??= tracer.captureAWSv3Client(withLocalAuthorization(new DynamoDBClient({ maxAttempts: 5, ...localSigning() }), 'dynamodb'));
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
 * there, docs/decisions/0024). Locally with two regions that region's own DynamoDB Local (local-endpoints.ts);
 * with one, AWS_ENDPOINT_URL_DYNAMODB sends it to the one DynamoDB Local.
 */
export const dynamoDbDocumentClientIn = (region: string): DynamoDBDocumentClient => {
  let client = regionalDocumentClients.get(region);
  if (!client) {
    const endpoint = optionalVariable(localReplicaEndpointVariable(region));
    client = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({ region, maxAttempts: 5, ...(endpoint ? { endpoint } : {}), ...localSigning() })), {
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
    client = tracer.captureAWSv3Client(withLocalAuthorization(new KMS({ region, maxAttempts: 3, ...localSigning() }), 'kms'));
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
  sfn ??= tracer.captureAWSv3Client(withLocalAuthorization(new SFNClient({ maxAttempts: 5, disableHostPrefix: Boolean(optionalVariable('AWS_ENDPOINT_URL_SFN')), ...localSigning() }), 'states'));
  return sfn;
};

let sfnSync: SFNClient | undefined;

/**
 * Step Functions for StartSyncExecution only, without the SDK's retries: a retry after a lost connection
 * would start a second run of the same workflow while the first may still be going. A call that fails is
 * an outcome the caller handles (the object stays in flight and the sweeper recovers it).
 */
export const sfnSyncClient = (): SFNClient => {
  sfnSync ??= tracer.captureAWSv3Client(withLocalAuthorization(new SFNClient({ maxAttempts: 1, disableHostPrefix: Boolean(optionalVariable('AWS_ENDPOINT_URL_SFN')), ...localSigning() }), 'states'));
  return sfnSync;
};

let secretsManager: SecretsManagerClient | undefined;

/** Secrets Manager, for the secrets a function declares (lambdas/shared/secrets.ts). */
export const secretsManagerClient = (): SecretsManagerClient => {
  secretsManager ??= tracer.captureAWSv3Client(withLocalAuthorization(new SecretsManagerClient({ maxAttempts: 5, ...localSigning() }), 'secretsmanager'));
  return secretsManager;
};

let sqs: SQSClient | undefined;

/** SQS (the webhook delivery queue). Locally AWS_ENDPOINT_URL_SQS points it at local/sqs.ts. */
export const sqsClient = (): SQSClient => {
  sqs ??= tracer.captureAWSv3Client(withLocalAuthorization(new SQSClient({ maxAttempts: 5, ...localSigning() }), 'sqs'));
  return sqs;
};

let cloudWatch: CloudWatchClient | undefined;

/** CloudWatch metrics and alarms (GetMetricData: the operator API health route; DescribeAlarms: its alarms route). Locally AWS_ENDPOINT_URL_CLOUDWATCH points it at local/cloudwatch.ts. */
export const cloudWatchClient = (): CloudWatchClient => {
  cloudWatch ??= tracer.captureAWSv3Client(withLocalAuthorization(new CloudWatchClient({ maxAttempts: 3, ...localSigning() }), 'cloudwatch'));
  return cloudWatch;
};
