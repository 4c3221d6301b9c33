import { Match } from 'aws-cdk-lib/assertions';
import { TABLE_BACKUP_RETENTION_DAYS } from '../../lib/constructs/table-backups';
import { NO_COPIES_FINDINGS, TABLES_KEY_ALIAS, globalTableKeys, isBackedUp, regionalTableKeys } from '../../lib/data-stack';
import { acknowledgementsOf } from '../../lib/app';
import { deployment } from '../../platform/deployment';
import { type TableDeclaration, type TableKey, tableKeys, tableName, tables } from '../../platform/tables';
import { plainArn, resourcesOf, synthesizePlatform, TEST_ACCOUNT } from './synth';

/** What docs/architecture.md and docs/deploy.md claim about the stateful stacks. */
const { stacks, templates } = synthesizePlatform();
const deployedTables = tableKeys.filter((key) => !(tables[key] as TableDeclaration).localOnly);

type Template = (typeof templates)['primaryData'];
type TableResource = { Type: string; Properties?: Record<string, unknown> };
const tableResources = (template: Template) => Object.entries(resourcesOf(template)).filter(([, resource]) => resource.Type === 'AWS::DynamoDB::GlobalTable');
const tableIn = (template: Template, key: TableKey): TableResource | undefined =>
  tableResources(template).find(([, resource]) => resource.Properties?.TableName === tableName(key))?.[1];

it('declares the idempotency records, the card holds and channel health regional, every other deployed table global', () => {
  expect([...regionalTableKeys].sort()).toEqual(['cardHolds', 'channelHealth', 'idempotency']);
  expect([...globalTableKeys, ...regionalTableKeys].sort()).toEqual([...deployedTables].sort());
});

describe('primary data stack', () => {
  it.each(globalTableKeys)('%s is a global table in both regions: on-demand, PITR, deletion protection, retained', (key) => {
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

  it('encrypts every replica with the tables key of its region: this region\'s by reference, the other\'s by alias', () => {
    const globalTables = globalTableKeys.map((key) => tableIn(templates.primaryData, key) as TableResource);
    const [primaryKeyExport] = Object.values(templates.primaryTablesKey.toJSON().Outputs as Record<string, { Export: { Name: string } }>).map((output) => output.Export.Name);
    for (const table of globalTables) {
      const keyOf = (region: string) =>
        (table.Properties?.Replicas as { Region: string; SSESpecification?: { KMSMasterKeyId: unknown } }[]).find((replica) => replica.Region === region)?.SSESpecification
          ?.KMSMasterKeyId;
      expect(keyOf(deployment.primaryRegion)).toEqual({ 'Fn::ImportValue': primaryKeyExport });
      expect(plainArn(keyOf(deployment.secondaryRegion))).toBe(`arn:aws:kms:${deployment.secondaryRegion}:${TEST_ACCOUNT}:${TABLES_KEY_ALIAS}`);
    }
  });

  it('backs up every table in this region but the card holds daily, into a vault under the tables key that refuses deletions', () => {
    const idOf = (key: TableKey) => tableResources(templates.primaryData).find(([, resource]) => resource.Properties?.TableName === tableName(key))?.[0];
    const [selection] = Object.values(resourcesOf(templates.primaryData)).filter((resource) => resource.Type === 'AWS::Backup::BackupSelection');
    expect((selection?.Properties?.BackupSelection as { Resources: unknown[] }).Resources).toEqual(
      deployedTables.filter(isBackedUp).map((key) => ({ 'Fn::GetAtt': [idOf(key), 'Arn'] })),
    );
    expect(deployedTables.filter((key) => !isBackedUp(key))).toEqual(['cardHolds', 'channelHealth']);
    expectBackupPlanAndVault(templates.primaryData);
  });

  it('creates exactly the declared tables, with their indexes', () => {
    const globalTables = tableResources(templates.primaryData).map(([, resource]) => resource);
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

  it('backs up the global table replicas (by ARN) and its own regional tables (by reference) but the card holds, daily, into a vault under this region\'s tables key', () => {
    const [selection] = Object.values(resourcesOf(templates.secondaryData)).filter((resource) => resource.Type === 'AWS::Backup::BackupSelection');
    const selected = (selection?.Properties?.BackupSelection as { Resources: unknown[] }).Resources ?? [];
    const regionalIds = tableResources(templates.secondaryData).map(([id]) => id);
    const named = selected.map((resource) => {
      const [id] = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'] ?? [];
      return id && regionalIds.includes(id) ? `regional:${resourcesOf(templates.secondaryData)[id]?.Properties?.TableName}` : plainArn(resource);
    });
    expect(named.sort()).toEqual(
      [
        ...globalTableKeys.filter(isBackedUp).map((key) => `arn:aws:dynamodb:${deployment.secondaryRegion}:${TEST_ACCOUNT}:table/${tableName(key)}`),
        ...regionalTableKeys.filter(isBackedUp).map((key) => `regional:${tableName(key)}`),
      ].sort(),
    );
    expectBackupPlanAndVault(templates.secondaryData);
  });

  it('creates only the regional tables (the global tables\' replicas here belong to the primary\'s resources)', () => {
    expect(tableResources(templates.secondaryData).map(([, resource]) => resource.Properties?.TableName).sort()).toEqual(regionalTableKeys.map(tableName).sort());
    templates.secondaryData.resourceCountIs('AWS::DynamoDB::Table', 0);
  });
});

describe.each([
  ['primary', () => templates.primaryData, deployment.primaryRegion],
  ['secondary', () => templates.secondaryData, deployment.secondaryRegion],
])('regional tables in the %s data stack', (_stack, template, region) => {
  it.each(regionalTableKeys)('%s: one replica, this region only; no stream; deletion protection; this region\'s tables key; retained', (key) => {
    const [, table] = tableResources(template()).find(([, resource]) => resource.Properties?.TableName === tableName(key)) ?? [];
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const properties = table?.Properties ?? {};
    expect(properties.StreamSpecification).toBeUndefined();
    expect(properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    const replicas = properties.Replicas as { Region: string; DeletionProtectionEnabled: boolean; PointInTimeRecoverySpecification: unknown; SSESpecification: { KMSMasterKeyId: unknown } }[];
    expect(replicas.map((replica) => replica.Region)).toEqual([region]);
    expect(replicas[0]).toMatchObject({
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: isBackedUp(key) },
      SSESpecification: { KMSMasterKeyId: { 'Fn::ImportValue': expect.stringMatching(new RegExp(`^Xborder-TablesKey-${region}`)) } },
    });
    const declaration: TableDeclaration = tables[key];
    expect(properties.TimeToLiveSpecification).toEqual({ AttributeName: declaration.timeToLiveAttribute, Enabled: true });
  });

  it('acknowledges the point-in-time recovery and backup findings on the tables that may keep no copy only, each with its own reason', () => {
    const stack = region === deployment.primaryRegion ? stacks.primaryData : stacks.secondaryData;
    const acknowledged = acknowledgementsOf(stack.node.root as Parameters<typeof acknowledgementsOf>[0]).filter(
      (acknowledgement) => acknowledgement.path.startsWith(`${stack.node.path}/`) && (NO_COPIES_FINDINGS as readonly string[]).includes(acknowledgement.rule),
    );
    expect(acknowledged.map((acknowledgement) => [acknowledgement.path, acknowledgement.gate, acknowledgement.rule]).sort()).toEqual(
      ['CardHoldsTable', 'ChannelHealthTable'].flatMap((table) => NO_COPIES_FINDINGS.map((rule) => [`${stack.node.path}/${table}`, 'cfn-guard', rule])).sort(),
    );
    for (const acknowledgement of acknowledged.filter((entry) => entry.path.endsWith('/CardHoldsTable'))) expect(acknowledgement.reason).toContain('PCI DSS 3.3.1');
    for (const acknowledgement of acknowledged.filter((entry) => entry.path.endsWith('/ChannelHealthTable'))) expect(acknowledgement.reason).toContain('stale breaker');
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

describe('tables key stacks', () => {
  it.each([
    ['primary', templates.primaryTablesKey],
    ['secondary', templates.secondaryTablesKey],
  ])('hold only the %s region\'s tables key: rotated, retained, under the tables alias', (_region, template) => {
    expect([...new Set(Object.values(resourcesOf(template)).map((resource) => resource.Type))].sort()).toEqual(['AWS::KMS::Alias', 'AWS::KMS::Key']);
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ EnableKeyRotation: true }) });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: TABLES_KEY_ALIAS });
  });
});

describe('deploy order', () => {
  it('deploys the tables keys, then primary data, then the replica key, then each region\'s API stack after its data', () => {
    const dependencies = (stack: { dependencies: { stackName: string }[] }) => stack.dependencies.map((dependency) => dependency.stackName).sort();
    expect(dependencies(stacks.primaryTablesKey)).toEqual([]);
    expect(dependencies(stacks.secondaryTablesKey)).toEqual([]);
    expect(dependencies(stacks.primaryData)).toEqual([stacks.primaryTablesKey.stackName, stacks.secondaryTablesKey.stackName].sort());
    expect(dependencies(stacks.secondaryData)).toEqual([stacks.primaryData.stackName, stacks.secondaryTablesKey.stackName].sort());
    expect(dependencies(stacks.primaryApi)).toEqual([stacks.primaryData.stackName]);
    expect(dependencies(stacks.secondaryApi)).toEqual([stacks.primaryData.stackName, stacks.secondaryData.stackName].sort());
  });
});

/** One daily rule kept 35 days into the region's vault; the vault is under the tables key and refuses deletions. */
function expectBackupPlanAndVault(template: Template): void {
  template.resourceCountIs('AWS::Backup::BackupPlan', 1);
  template.hasResourceProperties('AWS::Backup::BackupPlan', {
    BackupPlan: Match.objectLike({
      BackupPlanRule: [Match.objectLike({ RuleName: 'daily', ScheduleExpression: 'cron(0 5 * * ? *)', Lifecycle: { DeleteAfterDays: TABLE_BACKUP_RETENTION_DAYS } })],
    }),
  });
  template.hasResource('AWS::Backup::BackupVault', {
    DeletionPolicy: 'Retain',
    Properties: Match.objectLike({
      EncryptionKeyArn: { 'Fn::ImportValue': Match.stringLikeRegexp('^Xborder-TablesKey-') },
      AccessPolicy: Match.objectLike({
        Statement: [Match.objectLike({ Effect: 'Deny', Principal: { AWS: '*' }, Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'] })],
      }),
    }),
  });
}
