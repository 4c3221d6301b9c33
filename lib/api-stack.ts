import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { type FunctionKey, functionKeys } from '../platform/functions';
import { deployment } from '../platform/deployment';
import { accountAdministersKey, cloudWatchLogsMayEncrypt, denyGrantsExceptForAwsServices } from './constructs/key-policies';
import { MerchantApi } from './constructs/merchant-api';
import { OperatorApi } from './constructs/operator-api';
import { PlatformFunction } from './constructs/platform-function';

/**
 * Stateless resources of one region: every declared function and the merchant API, and the key that
 * encrypts their log groups. Deployed the same way in both regions; tables are addressed by their
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
    const built = {} as Record<FunctionKey, PlatformFunction>;
    for (const key of functionKeys) {
      built[key] = new PlatformFunction(this, `${key[0]?.toUpperCase()}${key.slice(1)}`, {
        key,
        logsKey,
        keyArns: { data: props.dataKeyArn, fingerprint: props.fingerprintKeyArn },
      });
    }
    this.functions = built;
    const lambdaFunctions = {} as Record<FunctionKey, IFunction>;
    for (const key of functionKeys) lambdaFunctions[key] = built[key].function;
    this.merchantApi = new MerchantApi(this, 'MerchantApi', {
      functions: lambdaFunctions,
      logsKey,
      throttle: { rateLimit: 1000, burstLimit: 2000 },
    });
    this.operatorApi = new OperatorApi(this, 'OperatorApi', {
      functions: lambdaFunctions,
      logsKey,
      throttle: { rateLimit: 20, burstLimit: 40 },
    });
  }
}
