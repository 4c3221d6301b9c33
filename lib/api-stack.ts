import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functions } from '../platform/functions';
import { deployment } from '../platform/deployment';
import { accountAdministersKey, cloudWatchLogsMayEncrypt, denyGrantsExceptForAwsServices } from './constructs/key-policies';
import { cardChannelSecretNames } from '../platform/channels';
import { stateMachineKeys } from '../platform/state-machines';
import { acknowledgeNag } from './constructs/acknowledgements';
import { MerchantApi } from './constructs/merchant-api';
import { OperationsAlarms } from './constructs/operations-alarms';
import { OperatorApi } from './constructs/operator-api';
import { PlatformFunction, secretId } from './constructs/platform-function';
import { PlatformSchedule } from './constructs/platform-schedule';
import { PlatformStateMachine } from './constructs/platform-state-machine';

/**
 * Stateless resources of one region: every declared function, state machine and the merchant API, the
 * secrets the functions read, the operations alarms, and the keys that encrypt their logs and secrets. Deployed the same way in both regions; tables are addressed by their
 * (global) names, the KMS keys by their regional ARNs.
 */
export interface ApiStackProps extends StackProps {
  readonly dataKeyArn: string;
  /** The fingerprint HMAC key in this region (platform/keys.ts). */
  readonly fingerprintKeyArn: string;
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

    const built = {} as Record<FunctionKey, PlatformFunction>;
    for (const key of functionKeys) {
      built[key] = new PlatformFunction(this, `${key[0]?.toUpperCase()}${key.slice(1)}`, {
        key,
        logsKey,
        secretsKey,
        keyArns: { data: props.dataKeyArn, fingerprint: props.fingerprintKeyArn },
      });
    }
    this.functions = built;
    const lambdaFunctions = {} as Record<FunctionKey, IFunction>;
    for (const key of functionKeys) lambdaFunctions[key] = built[key].function;

    const machines: Record<string, StateMachine> = {};
    for (const key of stateMachineKeys) {
      machines[key] = new PlatformStateMachine(this, `${key[0]?.toUpperCase()}${key.slice(1)}Saga`, { key, functions: lambdaFunctions, logsKey }).stateMachine;
    }
    this.stateMachines = machines;

    for (const key of functionKeys) {
      if ((functions[key] as FunctionDeclaration).invokedBy === 'schedule') {
        new PlatformSchedule(this, `${key[0]?.toUpperCase()}${key.slice(1)}Schedule`, { function: built[key] });
      }
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
    new OperationsAlarms(this, 'OperationsAlarms', { stateMachines: machines, topicKey: logsKey, sagaSweeper: built.sweepUnstartedSagas });
    this.merchantApi = new MerchantApi(this, 'MerchantApi', {
      functions: lambdaFunctions,
      logsKey,
      throttle: { rateLimit: 1000, burstLimit: 2000 },
      // About what the webhook function's reserved concurrency (10) absorbs; acquirers retry a 429 with back-off.
      webhookThrottle: { rateLimit: 100, burstLimit: 200 },
    });
    this.operatorApi = new OperatorApi(this, 'OperatorApi', {
      functions: lambdaFunctions,
      logsKey,
      throttle: { rateLimit: 20, burstLimit: 40 },
    });
  }
}
