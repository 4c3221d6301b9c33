import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbMerchantRepository } from '../lambdas/adapters/dynamodb/merchant-repository';
import { deployment } from '../platform/deployment';
import { kmsKeys } from '../platform/keys';
import { stateMachineArnEnvVar, stateMachineKeys, stateMachines } from '../platform/state-machines';
import { tableKeys, tableName } from '../platform/tables';
import { merchantApiName } from '../platform/routes';
import { localReplicaEndpointVariable } from '../lambdas/shared/local-endpoints';
import { type AccessLogEntry, type LocalApiGateway, operatorApiDefinition, startApiGateway } from './api-gateway';
import { type LocalCardChannel, type LocalCardChannels, type LocalSftpAccess, startLocalCardChannels } from './card-channels';
import { type LocalCloudWatch, startLocalCloudWatch, tapEmbeddedMetrics } from './cloudwatch';
import { CONSOLE_PREFIX, consoleSite } from './console-site';
import { startDynamoDbLocal } from './dynamodb-local';
import { type OperatorCredentials, ensureOperatorCredentials } from './iam/operators';
import { type LocalKms, startLocalKms } from './kms/server';
import { LambdaHost, localEnvironment } from './lambda-host';
import { type LocalPayoutRails, startLocalPayoutRails } from './payout-rails';
import { railHeadersOf } from '../lambdas/adapters/http/rail-message-forwarder';
import { type MerchantCredentials, ensureDemoMerchants } from './seed';
import {
  IN_MEMORY,
  type StepFunctionsServer,
  StepFunctionsEngine,
  declaredFunctionInvoker,
  startStepFunctionsServer,
} from './step-functions';
import { listeningHttpServer } from './ports';
import { DEFAULT_LOCAL_SCHEDULE_INTERVAL_MS, type LocalSchedules, scheduledFunctionKeys, startLocalSchedules } from './schedules';
import { type LocalSqs, startLocalSqs } from './sqs';
import { type LocalStreams, startLocalStreams } from './streams';
import { ensureTables } from './tables';
import { type WebhookReceiver, startWebhookReceiver } from './webhook-receiver';

/**
 * The whole platform on one machine: DynamoDB Local, the declared tables, the Lambda handler modules
 * and the API Gateway stand-in, wired exactly as in AWS through the standard SDK environment.
 */
export interface LocalRuntimeOptions {
  /** API port; 0 picks a free one. */
  readonly port: number;
  /** DynamoDB Local port; 0 picks a free one. */
  readonly dynamoDbPort: number;
  /** Step Functions API port (AWS_ENDPOINT_URL_SFN); 0 picks a free one. Default 8083. */
  readonly sfnPort?: number;
  /** Operator API port; 0 picks a free one. Default 3001. */
  readonly opsPort?: number;
  /** Multiplies Step Functions Wait durations, Retry intervals and timeouts (drills). Default 1. */
  readonly sfnTimeScale?: number;
  /**
   * Whether the functions' metric lines (EMF) still reach stdout after the local CloudWatch took them in
   * (the bench counts them as log bytes); default false: `npm start` prints no metric lines.
   */
  readonly printMetricLines?: boolean;
  /** Where data, logs and merchants.json live. */
  readonly stateDir: string;
  readonly inMemory: boolean;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly onAccess?: (entry: AccessLogEntry) => void;
  /**
   * Puts something between the platform and DynamoDB Local (benchmarks and drills: a proxy counting
   * consumed capacity): given DynamoDB Local's endpoint, resolves with the endpoint the platform uses.
   * The caller owns and stops what it starts. `dynamoDbEndpoint` stays DynamoDB Local's own.
   */
  readonly interposeDynamoDb?: (endpoint: string) => Promise<string>;
  /**
   * How often the scheduled functions (platform/functions.ts `invokedBy: 'schedule'`: the saga-start
   * sweeper) run; 0 never runs them on a timer (`schedules.runNow()` still does). Default 30 s.
   */
  readonly scheduleIntervalMs?: number;
  /** Seconds the merchant authorizer's answer is cached per key (local/api-gateway.ts); default as deployed (30). */
  readonly authorizerCacheSeconds?: number;
  /**
   * Multiplies the webhook retry schedule, request timeout and disabling window (WEBHOOK_TIME_SCALE, in
   * (0, 1]): 0.001 makes the three-day schedule about four minutes (delays stay whole seconds, as SQS's).
   */
  readonly webhookTimeScale?: number;
  /** Port of the local webhook receiver; 0 (default) picks a free one. */
  readonly webhookReceiverPort?: number;
  /** Tags each queue message for the SQS request counts (the benchmark's attribution). */
  readonly classifyQueueMessage?: (body: string) => string;
  /** Told each step of the start as it begins (`npm start` prints them: a first start takes a while). */
  readonly onProgress?: (step: string) => void;
  /**
   * One region of a two-region local platform (`npm start -- --regions 2`, local/regions.ts, decision 0036):
   * this runtime's AWS_REGION, the simulators and KMS keys both regions share, and the other region's DynamoDB
   * Local. Absent: the one-region platform, in the primary region, with simulators of its own.
   */
  readonly region?: LocalRegionOptions;
}

/** What a region of the two-region platform is given (local/regions.ts writes it, local/start.ts `--region-config` reads it). */
export interface LocalRegionOptions {
  readonly region: string;
  /** The card acquirers and their SFTP server, started once for both regions. */
  readonly cardChannels: Omit<LocalCardChannels, 'stop'>;
  /** The local KMS keys.json both regions load (a multi-Region key: the same material in each region). */
  readonly kmsStateDir: string;
  /** Creates the demo merchants (the primary); the other region receives them by replication. */
  readonly seedMerchants: boolean;
  /**
   * The other region, its DynamoDB Local (REPLICA_REGION: the home-region move reads its ledger replica there) and
   * its merchant API (REGION_API_URLS: acquirer webhooks for its merchants are forwarded there, decision 0039).
   */
  readonly replica: { readonly region: string; readonly dynamoDbEndpoint: string; readonly apiUrl?: string };
  /**
   * Where this region's payout rail simulators send their HTTP callbacks, and the notification secrets they sign
   * them with (decision 0049): the front door, as the rails reach the merchant API's one name in AWS, with the
   * secrets both regions hold (so either region verifies a callback, and forwards it to the payout's home).
   * Absent: this region's own API, with secrets of its own.
   */
  readonly payoutRails?: { readonly callbackUrl: string; readonly notificationSecrets: { readonly keystone: string; readonly pulse: string } };
}

export interface LocalRuntime {
  readonly apiUrl: string;
  readonly dynamoDbEndpoint: string;
  /** The local KMS endpoint (AWS_ENDPOINT_URL_KMS); its request counts are at `<url>/local/requests`. */
  readonly kms: LocalKms;
  readonly sfnEndpoint: string;
  readonly merchants: readonly MerchantCredentials[];
  /** The operator API (IAM-authorized, platform/operator-routes.ts) and its local credentials (operators.json). */
  readonly operatorApiUrl: string;
  /** The ops console, served by the operator API's own origin (local/console-site.ts). */
  readonly consoleUrl: string;
  readonly operators: readonly OperatorCredentials[];
  readonly lambdas: LambdaHost;
  /** The local Step Functions engine: executions, and `stats` (executions, transitions) per state machine. */
  readonly stepFunctions: StepFunctionsEngine;
  readonly pids: { readonly dynamoDbLocal: number };
  /** The simulated card acquirers (atlas, boreal) and the keys the adapter sends them. */
  readonly cardChannels: readonly LocalCardChannel[];
  /** The acquirers' SFTP server, where their settlement reports are (decision 0028). */
  readonly settlementReportsSftp: LocalSftpAccess;
  /** The simulated payout rails (meridian files, keystone SOAP, pulse instant) and their callback bridge. */
  readonly payoutRails: LocalPayoutRails;
  /** The scheduled functions' timers (EventBridge rules in AWS). */
  readonly schedules: LocalSchedules;
  /** SQS and its event source mappings (the webhook delivery queue), AWS_ENDPOINT_URL_SQS. */
  readonly sqs: LocalSqs;
  /**
   * The CloudWatch stand-in (AWS_ENDPOINT_URL_CLOUDWATCH): the functions' EMF metrics, the merchant API's
   * per-method metrics, Lambda's errors and Step Functions' execution counts, read by the operator API's health
   * route; the platform's alarms evaluated on them, read by its alarms route (local/cloudwatch.ts, decision 0050).
   */
  readonly cloudWatch: LocalCloudWatch;
  /** The DynamoDB stream event source mappings (the events outbox), on DynamoDB Local's Streams API. */
  readonly streams: LocalStreams;
  /** A webhook receiver to register as an endpoint (`<url>/<inbox>`; docs/api.md, "Trying webhooks locally"). */
  readonly webhookReceiver: WebhookReceiver;
  stop(): Promise<void>;
}

const repositoryRoot = resolve(import.meta.dirname, '..');

const describeError = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { message: String(error) };

/** Environment the handler modules read, set before any of them loads. */
const configureProcessEnvironment = (dynamoDbEndpoint: string, kms: LocalKms, logLevel: string, region: LocalRegionOptions | undefined): void => {
  Object.assign(process.env, localEnvironment(), {
    AWS_ENDPOINT_URL_KMS: kms.url,
    [kmsKeys.data.envVar]: kms.keyArn('data'),
    [kmsKeys.fingerprint.envVar]: kms.keyArn('fingerprint'),
    AWS_REGION: region?.region ?? deployment.primaryRegion,
    ...(region
      ? {
          REPLICA_REGION: region.replica.region,
          [localReplicaEndpointVariable(region.replica.region)]: region.replica.dynamoDbEndpoint,
          ...(region.replica.apiUrl ? { REGION_API_URLS: JSON.stringify({ [region.replica.region]: region.replica.apiUrl }) } : {}),
        }
      : {}),
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
    POWERTOOLS_SERVICE_NAME: `${deployment.appName}-local`,
    POWERTOOLS_METRICS_NAMESPACE: deployment.appName,
    POWERTOOLS_TRACE_ENABLED: 'false',
    // On, as in AWS: the metric lines go to the local CloudWatch (tapEmbeddedMetrics), not to the terminal.
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_LOG_LEVEL: logLevel,
  });
};

export const startLocalRuntime = async (options: LocalRuntimeOptions): Promise<LocalRuntime> => {
  mkdirSync(options.stateDir, { recursive: true });
  const progress = options.onProgress ?? (() => undefined);
  progress('starting DynamoDB Local (java)');
  const dynamoDb = await startDynamoDbLocal({
    port: options.dynamoDbPort,
    dataDir: options.inMemory ? undefined : join(options.stateDir, 'dynamodb'),
  });
  let gateway: LocalApiGateway | undefined;
  let apiListener: Server | undefined;
  let operatorGateway: LocalApiGateway | undefined;
  let cardChannels: LocalCardChannels | undefined;
  let kms: LocalKms | undefined;
  let sfnServer: StepFunctionsServer | undefined;
  let stepFunctions: StepFunctionsEngine | undefined;
  let payoutRails: LocalPayoutRails | undefined;
  let schedules: LocalSchedules | undefined;
  let sqs: LocalSqs | undefined;
  let streams: LocalStreams | undefined;
  let webhookReceiver: WebhookReceiver | undefined;
  let cloudWatch: LocalCloudWatch | undefined;
  let untapMetrics: (() => void) | undefined;
  const stop = async () => {
    // First: a sweep in flight finishes against a platform that is still up.
    await schedules?.stop();
    await streams?.stop();
    await sqs?.stop();
    await webhookReceiver?.stop();
    await gateway?.stop();
    const listener = apiListener;
    if (!gateway && listener?.listening) await new Promise((closed) => listener.close(closed));
    await operatorGateway?.stop();
    await payoutRails?.stop();
    await sfnServer?.stop();
    // Standard executions still running stay RUNNING in the engine's store and re-run at the next start.
    await stepFunctions?.stop();
    await cardChannels?.stop();
    await kms?.stop();
    untapMetrics?.();
    await cloudWatch?.stop();
    await dynamoDb.stop();
  };
  try {
    progress('starting the local KMS and the acquirer simulators');
    // Key material persists under the state dir (0600) even for an in-memory database: it is no data.
    kms = await startLocalKms({ stateDir: options.region?.kmsStateDir ?? join(options.stateDir, 'kms') });
    const platformDynamoDbEndpoint = options.interposeDynamoDb ? await options.interposeDynamoDb(dynamoDb.endpoint) : dynamoDb.endpoint;
    configureProcessEnvironment(platformDynamoDbEndpoint, kms, options.logLevel ?? 'WARN', options.region);
    cloudWatch = await startLocalCloudWatch({ region: options.region?.region });
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH = cloudWatch.url;
    untapMetrics = tapEmbeddedMetrics(cloudWatch.store, { keepLines: options.printMetricLines });
    // The API's port is chosen first so the acquirers know where to deliver their webhooks, and held (a
    // listening socket with no handler yet) so nothing else started meanwhile can take it.
    apiListener = options.port ? undefined : await listeningHttpServer();
    const apiPort = options.port || (apiListener?.address() as AddressInfo).port;
    cardChannels = options.region
      ? { ...options.region.cardChannels, stop: async () => undefined }
      : await startLocalCardChannels({
          stateDir: options.stateDir,
          inMemory: options.inMemory,
          apiUrl: `http://127.0.0.1:${apiPort}`,
        });
    Object.assign(process.env, cardChannels.environment);
    const client = new DynamoDBClient({});
    progress('creating the tables that do not exist yet, and the demo merchants');
    // Two regions: every global table gets a stream, which the replicator (local/replicator.ts) reads.
    await ensureTables(client, tableKeys, { streamGlobalTables: Boolean(options.region) });
    const merchants =
      options.region?.seedMerchants === false
        ? []
        : await ensureDemoMerchants(
            new DynamoDbMerchantRepository(DynamoDBDocumentClient.from(client), tableName('merchants')),
            join(options.stateDir, 'merchants.json'),
          );
    const lambdas = new LambdaHost(repositoryRoot);
    lambdas.metrics = cloudWatch.store;
    progress('starting the webhook delivery queue and receiver');
    // Before any handler module loads: the queue URLs, the SQS endpoint and the webhook settings are read at load.
    sqs = await startLocalSqs({
      store: options.inMemory ? ':memory:' : join(options.stateDir, 'sqs.sqlite'),
      invoke: (key, event) => lambdas.invoke(key, event),
      classify: options.classifyQueueMessage,
      onError: (queue, error) => console.error(JSON.stringify({ level: 'ERROR', queue, message: 'queue consumer invocation failed', error: describeError(error) })),
    });
    Object.assign(process.env, sqs.environment, {
      AWS_ENDPOINT_URL_SQS: sqs.url,
      WEBHOOK_URL_POLICY: 'local',
      WEBHOOK_TIME_SCALE: String(options.webhookTimeScale ?? 1),
    });
    webhookReceiver = await startWebhookReceiver({ port: options.webhookReceiverPort ?? 0 });
    progress('starting the payout rail simulators and the Step Functions engine');
    payoutRails = await startLocalPayoutRails({
      stateDir: options.stateDir,
      inMemory: options.inMemory,
      invoke: (event) => lambdas.invoke('receivePayoutRailEvents', event),
      ...(options.region?.payoutRails ? { notificationSecrets: options.region.payoutRails.notificationSecrets } : {}),
      // Through this region's API (two regions: the front door's), as the rails' requests reach API Gateway in AWS
      // (503 until it listens: the rails retry).
      deliverCallback: async (channel, headers, body) => {
        if (!gateway) return { status: 503, contentType: 'text/plain', body: 'starting' };
        const forwarded = railHeadersOf(headers);
        const response = await fetch(`${options.region?.payoutRails?.callbackUrl ?? gateway.url}/v1/rail_events/${channel}`, { method: 'POST', headers: forwarded, body });
        return { status: response.status, contentType: response.headers.get('content-type') ?? 'text/plain', body: await response.text() };
      },
    });
    Object.assign(process.env, payoutRails.environment);
    stepFunctions = new StepFunctionsEngine({
      invoke: declaredFunctionInvoker((key, payload) => lambdas.invoke(key, payload)),
      store: options.inMemory ? IN_MEMORY : join(options.stateDir, 'step-functions.sqlite'),
      stateMachines,
      repositoryRoot,
      timeScale: options.sfnTimeScale,
      region: options.region?.region,
      metrics: cloudWatch.store,
    });
    sfnServer = await startStepFunctionsServer({ engine: stepFunctions, port: options.sfnPort ?? 8083 });
    // Before any handler module loads: they read their configuration once, at load.
    process.env.AWS_ENDPOINT_URL_SFN = sfnServer.url;
    for (const key of stateMachineKeys) process.env[stateMachineArnEnvVar(key)] = stepFunctions.stateMachineArn(key);
    const resumed = await stepFunctions.resume();
    if (resumed.length) progress(`resumed ${resumed.length} execution(s) a stop left running`);
    progress('starting the API gateways, the schedules and the stream mappings');
    gateway = await startApiGateway({
      host: lambdas,
      port: apiListener ?? apiPort,
      metrics: { store: cloudWatch.store, apiName: merchantApiName() },
      authorizerCacheSeconds: options.authorizerCacheSeconds,
      onAccess: options.onAccess,
      onFunctionError: (key, error) =>
        console.error(JSON.stringify({ level: 'ERROR', function: key, message: 'invocation failed', error: describeError(error) })),
    });
    schedules = startLocalSchedules({
      keys: scheduledFunctionKeys(options.region?.region),
      invoke: (key, event) => lambdas.invoke(key, event),
      intervalMs: options.scheduleIntervalMs ?? DEFAULT_LOCAL_SCHEDULE_INTERVAL_MS,
      onError: (key, error) =>
        console.error(JSON.stringify({ level: 'ERROR', function: key, message: 'scheduled invocation failed', error: describeError(error) })),
    });
    streams = await startLocalStreams({
      endpoint: dynamoDb.endpoint,
      invoke: (key, event) => lambdas.invoke(key, event),
      checkpointFile: options.inMemory ? undefined : join(options.stateDir, 'stream-checkpoints.json'),
      onError: (message, error) => console.error(JSON.stringify({ level: 'ERROR', message, error: describeError(error) })),
    });
    const operators = ensureOperatorCredentials(join(options.stateDir, 'operators.json'), options.region?.region);
    operatorGateway = await startApiGateway({
      host: lambdas,
      port: options.opsPort ?? 3001,
      api: operatorApiDefinition(operators),
      site: consoleSite(operators),
      onAccess: options.onAccess,
      onFunctionError: (key, error) =>
        console.error(JSON.stringify({ level: 'ERROR', function: key, message: 'invocation failed', error: describeError(error) })),
    });
    return {
      apiUrl: gateway.url,
      operatorApiUrl: operatorGateway.url,
      consoleUrl: `${operatorGateway.url}${CONSOLE_PREFIX}/`,
      operators,
      dynamoDbEndpoint: dynamoDb.endpoint,
      kms,
      sfnEndpoint: sfnServer.url,
      merchants,
      lambdas,
      stepFunctions,
      pids: { dynamoDbLocal: dynamoDb.pid },
      cardChannels: cardChannels.channels,
      settlementReportsSftp: cardChannels.reportsSftp,
      payoutRails,
      schedules,
      sqs,
      cloudWatch,
      streams,
      webhookReceiver,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
