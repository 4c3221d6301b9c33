import { Match } from 'aws-cdk-lib/assertions';
import { deployment } from '../../platform/deployment';
import { type TableDeclaration, tableKeys, tableName, tables } from '../../platform/tables';
import { resourcesOf, synthesizePlatform } from './synth';

/** What docs/architecture.md and docs/deploy.md claim about the stateful stacks. */
const { stacks, templates } = synthesizePlatform();
const deployedTables = tableKeys.filter((key) => !(tables[key] as TableDeclaration).localOnly);

describe('primary data stack', () => {
  it.each(deployedTables)('%s is a global table in both regions: on-demand, PITR, deletion protection, retained', (key) => {
    const declaration: TableDeclaration = tables[key];
    for (const region of [deployment.primaryRegion, deployment.secondaryRegion]) {
      templates.primaryData.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          TableName: tableName(key),
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: declaration.partitionKey.name, KeyType: 'HASH' },
            ...(declaration.sortKey ? [{ AttributeName: declaration.sortKey.name, KeyType: 'RANGE' }] : []),
          ],
          Replicas: Match.arrayWith([
            Match.objectLike({
              Region: region,
              DeletionProtectionEnabled: true,
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            }),
          ]),
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
          ...(declaration.timeToLiveAttribute
            ? { TimeToLiveSpecification: { AttributeName: declaration.timeToLiveAttribute, Enabled: true } }
            : {}),
        }),
      });
    }
  });

  it('creates exactly the declared tables, with their indexes', () => {
    const globalTables = Object.values(resourcesOf(templates.primaryData)).filter((resource) => resource.Type === 'AWS::DynamoDB::GlobalTable');
    expect(globalTables.map((table) => table.Properties?.TableName).sort()).toEqual(deployedTables.map(tableName).sort());
    for (const key of deployedTables) {
      const table = globalTables.find((resource) => resource.Properties?.TableName === tableName(key));
      const indexes = ((table?.Properties?.GlobalSecondaryIndexes as { IndexName: string }[] | undefined) ?? []).map((index) => index.IndexName);
      expect(indexes).toEqual(tables[key].indexes.map((index) => index.name));
    }
  });

  it('holds a multi-region, rotated, retained KMS key for card and bank data', () => {
    templates.primaryData.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ MultiRegion: true, EnableKeyRotation: true }),
    });
    templates.primaryData.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/${deployment.appName}-data` });
  });
});

describe('secondary data stack', () => {
  it('replicates the data key into the secondary region under the same alias, retained', () => {
    expect(stacks.secondaryData.region).toBe(deployment.secondaryRegion);
    templates.secondaryData.hasResource('AWS::KMS::ReplicaKey', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ Enabled: true, PrimaryKeyArn: Match.anyValue() }),
    });
    templates.secondaryData.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/${deployment.appName}-data` });
  });

  it('creates no tables of its own (replicas belong to the primary global table)', () => {
    templates.secondaryData.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    templates.secondaryData.resourceCountIs('AWS::DynamoDB::Table', 0);
  });
});

describe('functions in the data stacks', () => {
  it('are only CDK\'s cross-region reference handlers (their VPC finding is acknowledged stack-wide)', () => {
    for (const template of [templates.primaryData, templates.secondaryData]) {
      const functions = Object.entries(resourcesOf(template)).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(0);
      for (const [logicalId] of functions) expect(logicalId).toMatch(/^CustomCrossRegionExport(Writer|Reader)CustomResourceProviderHandler/);
    }
  });
});

describe('deploy order', () => {
  it('deploys primary data, then the replica key, then each region\'s API stack after its data', () => {
    const dependencies = (stack: { dependencies: { stackName: string }[] }) => stack.dependencies.map((dependency) => dependency.stackName).sort();
    expect(dependencies(stacks.secondaryData)).toEqual([stacks.primaryData.stackName]);
    expect(dependencies(stacks.primaryApi)).toEqual([stacks.primaryData.stackName]);
    expect(dependencies(stacks.secondaryApi)).toEqual([stacks.primaryData.stackName, stacks.secondaryData.stackName].sort());
  });
});
