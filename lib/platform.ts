import type { App } from 'aws-cdk-lib';
import { type MerchantApiDomainConfig, deployment } from '../platform/deployment';
import { ApiStack } from './api-stack';
import { acknowledgeGuard } from './constructs/acknowledgements';
import { streamedTableKeys } from '../platform/functions';
import { PrimaryDataStack, ReplicaDataStack, TablesKeyStack } from './data-stack';

/**
 * The whole deployment: one set of stacks per region. Dependencies (and so `cdk deploy --all` order):
 * the tables keys of both regions → primary data (the global tables name the key of every replica region) →
 * replica data (needs the primary key's ARN, passed across regions) → the API stacks.
 */
export const stackName = (kind: 'TablesKey' | 'Data' | 'Api', region: string) => `${deployment.stackPrefix}-${kind}-${region}`;

export interface PlatformStacks {
  readonly primaryTablesKey: TablesKeyStack;
  readonly secondaryTablesKey: TablesKeyStack;
  readonly primaryData: PrimaryDataStack;
  readonly secondaryData: ReplicaDataStack;
  readonly primaryApi: ApiStack;
  readonly secondaryApi: ApiStack;
}

export const buildPlatform = (app: App, account: string, options: { readonly merchantApiDomain?: MerchantApiDomainConfig; readonly regionalApiUrls?: Readonly<Record<string, string>> } = {}): PlatformStacks => {
  const primary = { account, region: deployment.primaryRegion };
  const secondary = { account, region: deployment.secondaryRegion };
  // Every resource: the application, its stage, and the stage's ownership, cost and data tags.
  const tags = { application: 'xborder', stage: deployment.stage, ...deployment.tags };

  const [primaryTablesKey, secondaryTablesKey] = [primary, secondary].map(
    (env) =>
      new TablesKeyStack(app, stackName('TablesKey', env.region), {
        env,
        description: 'xborder stateful resources: the key of the DynamoDB table replicas and their backups in this region',
        tags,
      }),
  ) as [TablesKeyStack, TablesKeyStack];
  const primaryData = new PrimaryDataStack(app, stackName('Data', primary.region), {
    env: primary,
    crossRegionReferences: true,
    replicaRegions: [secondary.region],
    tablesKey: primaryTablesKey.key,
    apiStackName: stackName('Api', primary.region),
    description: 'xborder stateful resources: global tables, their backups here and the multi-region data keys (primary)',
    tags,
  });
  // The replica's key is named by its alias ARN (no cross-region reference); it must exist first.
  primaryData.addStackDependency(secondaryTablesKey);
  const secondaryData = new ReplicaDataStack(app, stackName('Data', secondary.region), {
    env: secondary,
    crossRegionReferences: true,
    primaryKeyArn: primaryData.dataKey.keyArn,
    primaryFingerprintKeyArn: primaryData.fingerprintKey.keyArn,
    tablesKey: secondaryTablesKey.key,
    apiStackName: stackName('Api', secondary.region),
    description: 'xborder stateful resources: replica of the multi-region data keys, backups of the table replicas here',
    tags,
  });
  // `crossRegionReferences` makes CDK add a small handler to each data stack after construction (so it
  // cannot be acknowledged on itself). Data stacks hold no function of ours: test/infra/data-stacks.test.ts
  // keeps it that way, so this stack-level acknowledgement covers only those handlers.
  for (const stack of [primaryData, secondaryData]) {
    acknowledgeGuard(
      stack,
      'lambda_inside_vpc_check',
      "The only functions in the data stacks are CDK's cross-region reference handlers: they run during deployment to carry the data key's ARN to the secondary region through SSM, call only SSM and touch no data.",
    );
  }
  const primaryApi = new ApiStack(app, stackName('Api', primary.region), {
    env: primary,
    dataKeyArn: primaryData.dataKey.keyArn,
    fingerprintKeyArn: primaryData.fingerprintKey.keyArn,
    tableStreamArns: Object.fromEntries(streamedTableKeys().map((key) => [key, primaryData.tables[key].tableStreamArn as string])),
    merchantApiDomain: options.merchantApiDomain,
    regionalApiUrls: options.regionalApiUrls,
    description: 'xborder stateless resources: functions and merchant API (primary region)',
    tags,
  });
  primaryApi.addStackDependency(primaryData);
  const secondaryApi = new ApiStack(app, stackName('Api', secondary.region), {
    env: secondary,
    dataKeyArn: secondaryData.dataKeyArn,
    fingerprintKeyArn: secondaryData.fingerprintKeyArn,
    merchantApiDomain: options.merchantApiDomain,
    regionalApiUrls: options.regionalApiUrls,
    description: 'xborder stateless resources: functions and merchant API (secondary region)',
    tags,
  });
  secondaryApi.addStackDependency(secondaryData);
  secondaryApi.addStackDependency(primaryData);
  return { primaryTablesKey, secondaryTablesKey, primaryData, secondaryData, primaryApi, secondaryApi };
};
