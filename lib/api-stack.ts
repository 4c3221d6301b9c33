import { CfnParameter, NestedStack, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functions } from '../platform/functions';
import { type MerchantApiDomainConfig, deployment } from '../platform/deployment';
import { accountAdministersKey, cloudWatchLogsMayEncrypt, denyGrantsExceptForAwsServices } from './constructs/key-policies';
import { cardChannelSecretNames } from '../platform/channels';
import { stateMachineKeys } from '../platform/state-machines';
import { acknowledgeNag } from './constructs/acknowledgements';
import { McpFunctionUrl } from './constructs/mcp-function-url';
import { MerchantApi } from './constructs/merchant-api';
import { OperationsAlarms } from './constructs/operations-alarms';
import { OperatorApi } from './constructs/operator-api';
import { ServiceLevels } from './constructs/service-levels';
import { PlatformFunction, secretId } from './constructs/platform-function';
import { PlatformQueue } from './constructs/platform-queue';
import { PlatformSchedule } from './constructs/platform-schedule';
import { PlatformStateMachine } from './constructs/platform-state-machine';
import { PlatformStreamSubscription } from './constructs/platform-stream-subscription';
import { type QueueKey, queueKeys } from '../platform/queues';
import { type DeadLetterSource, platformAlarms } from '../platform/alarms';
import type { TableKey } from '../platform/tables';
import { deployedTableKeys, globalTableKeys } from './data-stack';
import { MerchantApiDomain } from './constructs/merchant-api-domain';

/**
 * Stateless resources of one region: every declared function, state machine and the merchant API, the
 * secrets the functions read, the operations alarms, and the keys that encrypt their logs and secrets. Deployed the same way in both regions; tables are addressed by their
 * (global) names, the KMS keys by their regional ARNs.
 */
export interface ApiStackProps extends StackProps {
  readonly dataKeyArn: string;
  /** The fingerprint HMAC key in this region (platform/keys.ts). */
  readonly fingerprintKeyArn: string;
  /**
   * The primary region's table stream ARNs: given there only, where the `stream` functions declared
   * `primaryRegionOnly` get their mappings (every region's stream carries both regions' writes).
   */
  readonly tableStreamArns?: Readonly<Partial<Record<TableKey, string>>>;
  /** The merchant API's custom domain with its failover record (platform/deployment.ts); none when undefined. */
  readonly merchantApiDomain?: MerchantApiDomainConfig;
  /** Each region's regional merchant API base URL, for forwarding acquirer webhooks to a merchant's home (decision 0039). */
  readonly regionalApiUrls?: Readonly<Record<string, string>>;
}

export const LOGS_KEY_ALIAS = `alias/${deployment.appName}-logs`;

export class ApiStack extends Stack {
  readonly functions: Readonly<Record<FunctionKey, PlatformFunction>>;
  readonly stateMachines: Readonly<Record<string, StateMachine>>;
  readonly merchantApi: MerchantApi;
  readonly operatorApi: OperatorApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    // The key of this stack's log groups lives beside them (CloudWatch Logs is regional); retained with them.
    const logsKey = new Key(this, 'LogsKey', {
      description: 'xborder: encryption of CloudWatch log groups in this region',
      enableKeyRotation: true,
      alias: LOGS_KEY_ALIAS,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new PolicyDocument({ statements: [accountAdministersKey(), denyGrantsExceptForAwsServices()] }),
    });
    logsKey.addToResourcePolicy(cloudWatchLogsMayEncrypt(logsKey));

    // Secrets the functions read (channel API keys, webhook signing secrets): created empty-valued here,
    // set by operations to what each acquirer issued (docs/deploy.md). Same ids in both regions.
    const secretsKey = new Key(this, 'SecretsKey', {
      description: 'xborder: encryption of the Secrets Manager secrets in this region',
      enableKeyRotation: true,
      alias: `alias/${deployment.appName}-secrets`,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new PolicyDocument({ statements: [accountAdministersKey(), denyGrantsExceptForAwsServices()] }),
    });
    const secretNames = new Set(functionKeys.flatMap((key) => [
      ...((functions[key] as FunctionDeclaration).cardChannels ? cardChannelSecretNames() : []),
      ...((functions[key] as FunctionDeclaration).secrets ?? []),
    ]));
    for (const name of secretNames) {
      const secret = new Secret(this, `Secret${name}`, {
        secretName: secretId(name),
        description: `xborder: ${name}, issued by the counterparty; set by operations`,
        encryptionKey: secretsKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const rotationReason =
        'A credential issued by an acquirer or a payout bank (API key or webhook signing secret): it rotates when the counterparty issues a new one, not on a schedule we can automate; webhook verification accepts two secrets at once so rotation needs no downtime.';
      acknowledgeNag(secret, 'AwsSolutions-SMG4', rotationReason);
      acknowledgeNag(secret, 'NIST.800.53.R5-SecretsManagerRotationEnabled', rotationReason);
    }

    // Every function, with what only it uses (its schedule, its queues, its stream mappings), lives in one
    // nested stack: a function costs four resources (function, role, policy, log group) and CloudFormation
    // allows 500 per stack, which this stack alone reached (docs/decisions/0016-events-and-webhooks.md).
    // This stack keeps the APIs, workflows and alarms, and invokes the functions through references whose
    // Lambda permissions it creates itself, so nothing in the nested stack depends on the APIs' stages.
    // The operator API's functions (`ops…`) in a second nested stack: with every function in one, it passed
    // 450 of its 500 resources (test/infra/events-and-webhooks.test.ts).
    const functionsStack = new NestedStack(this, 'Functions', { description: 'xborder functions: one role, policy and log group each' });
    const operatorFunctionsStack = new NestedStack(this, 'OperatorFunctions', { description: "xborder operator API functions: one role, policy and log group each" });
    const built = {} as Record<FunctionKey, PlatformFunction>;
    for (const key of functionKeys) {
      built[key] = new PlatformFunction(key.startsWith('ops') ? operatorFunctionsStack : functionsStack, `${key[0]?.toUpperCase()}${key.slice(1)}`, {
        key,
        logsKey,
        secretsKey,
        keyArns: { data: props.dataKeyArn, fingerprint: props.fingerprintKeyArn },
        ...(props.regionalApiUrls ? { regionalApiUrls: props.regionalApiUrls } : {}),
      });
    }
    this.functions = built;
    const lambdaFunctions = {} as Record<FunctionKey, IFunction>;
    for (const key of functionKeys) lambdaFunctions[key] = built[key].function;
    const invocable = {} as Record<FunctionKey, IFunction>;
    for (const key of functionKeys) {
      invocable[key] = LambdaFunction.fromFunctionAttributes(this, `${key[0]?.toUpperCase()}${key.slice(1)}Invocable`, {
        functionArn: built[key].function.functionArn,
        sameEnvironment: true,
      });
    }

    const machines: Record<string, StateMachine> = {};
    for (const key of stateMachineKeys) {
      machines[key] = new PlatformStateMachine(this, `${key[0]?.toUpperCase()}${key.slice(1)}Saga`, { key, functions: lambdaFunctions, logsKey }).stateMachine;
    }
    this.stateMachines = machines;

    for (const key of functionKeys) {
      if ((functions[key] as FunctionDeclaration).invokedBy === 'schedule') {
        new PlatformSchedule(functionsStack, `${key[0]?.toUpperCase()}${key.slice(1)}Schedule`, { function: built[key] });
      }
    }

    const queueDeadLetters = {} as Record<QueueKey, IQueue>;
    for (const key of queueKeys) {
      queueDeadLetters[key] = new PlatformQueue(functionsStack, `${key[0]?.toUpperCase()}${key.slice(1)}Queue`, { key, functions: built }).deadLetterQueue;
    }
    const streamConsumers: FunctionKey[] = [];
    const streamFailures = {} as Partial<Record<FunctionKey, IQueue>>;
    for (const key of functionKeys) {
      const subscription = (functions[key] as FunctionDeclaration).streams;
      if (!subscription || (subscription.primaryRegionOnly && !props.tableStreamArns)) continue;
      streamConsumers.push(key);
      streamFailures[key] = new PlatformStreamSubscription(functionsStack, `${key[0]?.toUpperCase()}${key.slice(1)}Streams`, { function: built[key], streamArns: props.tableStreamArns ?? {} }).failureQueue;
    }

    // The operations topic is encrypted with the logs key: CloudWatch alarms publish through SNS with it.
    logsKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishEncrypted',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    // Every alarm of the region, declared once in platform/alarms.ts (decision 0050), on these resources.
    const deadLetterQueueOf = (source: DeadLetterSource): IQueue => {
      const queue = source.kind === 'queue' ? queueDeadLetters[source.key] : source.kind === 'streamFailures' ? streamFailures[source.key] : built[source.key].deadLetterQueue;
      if (!queue) throw new Error(`${source.key} has no ${source.kind === 'streamFailures' ? 'stream failure' : 'dead-letter'} queue`);
      return queue;
    };
    const alarms = platformAlarms({
      region: this.region,
      names: {
        stateMachineArn: (key) => (machines[key] as StateMachine).stateMachineArn,
        functionName: (key) => built[key].function.functionName,
        deadLetterQueueName: (source) => deadLetterQueueOf(source).queueName,
      },
      streamConsumers,
      tables: deployedTableKeys,
      globalTables: globalTableKeys,
    });
    const operationsAlarms = new OperationsAlarms(this, 'OperationsAlarms', { topicKey: logsKey, alarms });
    // The SLO burn-rate alarms and their dashboard in a nested stack of their own: the API stack stays under its
    // resource budget (test/infra/events-and-webhooks.test.ts), and they read only what this stack passes them.
    const observabilityStack = new NestedStack(this, 'Observability', { description: 'xborder service levels: burn-rate alarms and their dashboard' });
    new ServiceLevels(observabilityStack, 'ServiceLevels', {
      pages: operationsAlarms.topic,
      topicKey: logsKey,
      stateMachines: machines,
      tables: deployedTableKeys,
      buildsEvents: streamConsumers.includes('buildEvents'),
      alarms,
    });
    this.merchantApi = new MerchantApi(this, 'MerchantApi', {
      functions: invocable,
      logsKey,
      throttle: deployment.apiThrottles.merchant,
      webhookThrottle: deployment.apiThrottles.webhooks,
    });
    if (props.merchantApiDomain) new MerchantApiDomain(this, 'MerchantApiDomain', { api: this.merchantApi.api, domain: props.merchantApiDomain });
    this.operatorApi = new OperatorApi(this, 'OperatorApi', {
      functions: invocable,
      logsKey,
      throttle: deployment.apiThrottles.operator,
    });

    // The MCP server in AWS, one function per operator role (decision 0045): its IAM-authorized function URL, and the
    // operator API it calls, whose id its nested stack gets as a parameter (a reference would not name it in findings).
    const operatorApiId = new CfnParameter(operatorFunctionsStack, 'OperatorApiId', { type: 'String', description: "The operator API's id: the MCP functions call it" });
    operatorFunctionsStack.setParameter(operatorApiId.logicalId, this.operatorApi.api.restApiId);
    const mcpInvokers = new NestedStack(this, 'McpInvokers', { description: 'xborder MCP functions: which operator role may invoke each function URL' });
    for (const key of functionKeys) {
      const mcp = (functions[key] as FunctionDeclaration).mcpServer;
      if (!mcp) continue;
      new McpFunctionUrl(this, `${key[0]?.toUpperCase()}${key.slice(1)}Url`, {
        function: built[key],
        permissions: mcpInvokers,
        role: mcp.role,
        invokerRoleArn: this.operatorApi.roles[mcp.role].roleArn,
        operatorApiId: operatorApiId.valueAsString,
      });
    }
  }
}
