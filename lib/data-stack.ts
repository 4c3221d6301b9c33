import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, type ITableV2, ProjectionType, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyDocument, type PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnAlias, CfnReplicaKey, type IKey, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { deployment } from '../platform/deployment';
import { kmsKeys } from '../platform/keys';
import { type TableDeclaration, type TableKey, replicationOf, tableKeys, tableName, tables } from '../platform/tables';
import { acknowledgeGuard } from './constructs/acknowledgements';
import {
  denyGrantsExceptForAwsServices,
  dynamoDbReadsKeyMetadata,
  functionsUseDataKey,
  functionsUseFingerprintKey,
  keyAdministration,
  tablesAndBackupsUseKey,
} from './constructs/key-policies';
import { TableBackups } from './constructs/table-backups';

/**
 * Stateful resources, deployed before and changed far less often than the stateless stacks
 * (docs/decisions/0001-regions-and-stacks.md). Everything here is retained on stack deletion.
 *
 * In the primary region: every global table (TableV2, one AWS::DynamoDB::GlobalTable spanning both regions;
 * every replica with point-in-time recovery, deletion protection and its region's tables key, and backed up
 * in its region), the multi-region KMS key that envelope-encrypts card and bank data, and the multi-region
 * HMAC key at the root of the keyed fingerprints (platform/keys.ts, docs/decisions/0005-envelope-encryption.md).
 * In every region: that region's regional tables (`replication: 'regional'`, docs/decisions/0014). lib/gates/guard/
 * holds the rules every table must meet; the keys' policies are in constructs/key-policies.ts (docs/security.md, Keys).
 */
export const DATA_KEY_ALIAS = kmsKeys.data.alias;

const attributeType = (type: 'S' | 'N') => (type === 'S' ? AttributeType.STRING : AttributeType.NUMBER);

/** The tables that exist in AWS (not the local-only ones). */
export const deployedTableKeys = tableKeys.filter((key) => !(tables[key] as TableDeclaration).localOnly);

/** The deployed global tables (one resource in the primary data stack, a replica in every other region). */
export const globalTableKeys = deployedTableKeys.filter((key) => replicationOf(key) === 'global');

/** The deployed regional tables (one in each region's data stack, never replicated). */
export const regionalTableKeys = deployedTableKeys.filter((key) => replicationOf(key) === 'regional');

/** Whether the daily backups (and point-in-time recovery) keep copies of a table's items. */
export const isBackedUp = (key: TableKey): boolean => !(tables[key] as TableDeclaration).noCopies;

/** The guard findings a table without copies raises (lib/gates/guard/), acknowledged on that table only. */
export const NO_COPIES_FINDINGS = ['xborder_global_table_pitr_check', 'xborder_global_table_backup_plan_check'] as const;

/**
 * One declared table as a TableV2: on demand, deletion protection, retained, under the tables key of each
 * region it is in. A global table gets its replicas and the stream replication needs; a regional one neither.
 * Point-in-time recovery unless the declaration says why no copy may exist (`noCopies`), in which case the
 * findings that raises are acknowledged here, on this table, with that reason.
 */
const declaredTable = (
  scope: Construct,
  key: TableKey,
  options: { readonly encryption: TableEncryptionV2; readonly replicaRegions: readonly string[] },
): TableV2 => {
  const declaration: TableDeclaration = tables[key];
  const global = replicationOf(key) === 'global';
  const table = new TableV2(scope, `${key[0]?.toUpperCase()}${key.slice(1)}Table`, {
    tableName: tableName(key),
    partitionKey: { name: declaration.partitionKey.name, type: attributeType(declaration.partitionKey.type) },
    sortKey: declaration.sortKey ? { name: declaration.sortKey.name, type: attributeType(declaration.sortKey.type) } : undefined,
    globalSecondaryIndexes: declaration.indexes.map((index) => ({
      indexName: index.name,
      partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
      sortKey: index.sortKey ? { name: index.sortKey.name, type: attributeType(index.sortKey.type) } : undefined,
      projectionType: index.projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
    })),
    timeToLiveAttribute: declaration.timeToLiveAttribute,
    billing: Billing.onDemand(),
    encryption: options.encryption,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: !declaration.noCopies },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(global ? { dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES, replicas: options.replicaRegions.map((region) => ({ region })) } : {}),
  });
  if (declaration.noCopies) {
    for (const rule of NO_COPIES_FINDINGS) acknowledgeGuard(table, rule, declaration.noCopies.reason);
  }
  return table;
};

/** Encrypts the tables in a region (the global tables' replicas and the regional tables), their streams and their backups. */
export const TABLES_KEY_ALIAS = `alias/${deployment.appName}-tables`;

/** The tables key of a region by its alias ARN: known before the key exists, and resolved by DynamoDB when a replica is created. */
export const tablesKeyAliasArn = (scope: Construct, region: string): string => {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:kms:${region}:${stack.account}:${TABLES_KEY_ALIAS}`;
};

/**
 * The tables key of one region, in a stack of its own deployed before the tables: a global table names the
 * key of every replica region when it is created, and the primary data stack (which holds the global tables)
 * deploys before the secondary region's data stack. Single-region, rotated yearly, retained.
 */
export class TablesKeyStack extends Stack {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.key = new Key(this, 'TablesKey', {
      description: 'xborder: encryption at rest of the DynamoDB global table replicas, streams and backups in this region',
      enableKeyRotation: true,
      alias: TABLES_KEY_ALIAS,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new PolicyDocument({
        statements: [keyAdministration(this), tablesAndBackupsUseKey(this), dynamoDbReadsKeyMetadata(), denyGrantsExceptForAwsServices()],
      }),
    });
  }
}

export interface PrimaryDataStackProps extends StackProps {
  readonly replicaRegions: readonly string[];
  /** This region's tables key (TablesKeyStack); replica regions' keys are named by alias. */
  readonly tablesKey: IKey;
  /** The API stack of this region, whose function roles are the only ones that may use the data and fingerprint keys. */
  readonly apiStackName: string;
}

/**
 * In the primary region: every global table (TableV2, one AWS::DynamoDB::GlobalTable spanning both
 * regions), this region's regional tables, their backups in this region, and the multi-region keys that
 * envelope-encrypt card and bank data and derive the fingerprint key.
 */
export class PrimaryDataStack extends Stack {
  readonly tables: Readonly<Record<TableKey, ITableV2>>;
  readonly dataKey: Key;
  readonly fingerprintKey: Key;

  constructor(scope: Construct, id: string, props: PrimaryDataStackProps) {
    super(scope, id, props);

    this.dataKey = new Key(this, 'DataKey', {
      description: 'xborder: envelope encryption of card and bank data (multi-region primary)',
      multiRegion: true,
      enableKeyRotation: true,
      alias: DATA_KEY_ALIAS,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new PolicyDocument({
        statements: [keyAdministration(this), functionsUseDataKey(this, props.apiStackName), denyGrantsExceptForAwsServices()],
      }),
    });

    // KMS cannot rotate HMAC keys; a new fingerprint version is a new key (FINGERPRINT_VERSION).
    this.fingerprintKey = new Key(this, 'FingerprintKey', {
      description: `${kmsKeys.fingerprint.description} (multi-region primary)`,
      multiRegion: true,
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      alias: kmsKeys.fingerprint.alias,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new PolicyDocument({
        statements: [keyAdministration(this), functionsUseFingerprintKey(this, props.apiStackName), denyGrantsExceptForAwsServices()],
      }),
    });

    const created = {} as Record<TableKey, ITableV2>;
    const globalEncryption = TableEncryptionV2.customerManagedKey(
      props.tablesKey,
      Object.fromEntries(props.replicaRegions.map((region) => [region, tablesKeyAliasArn(this, region)])),
    );
    for (const key of globalTableKeys) created[key] = declaredTable(this, key, { encryption: globalEncryption, replicaRegions: props.replicaRegions });
    const regionalEncryption = TableEncryptionV2.customerManagedKey(props.tablesKey);
    for (const key of regionalTableKeys) created[key] = declaredTable(this, key, { encryption: regionalEncryption, replicaRegions: [] });
    this.tables = created;
    // The replicas in the other regions are backed up there (ReplicaDataStack).
    new TableBackups(this, 'TableBackups', {
      tableArns: deployedTableKeys.filter(isBackedUp).map((key) => created[key].tableArn),
      key: props.tablesKey,
    });
  }
}

export interface ReplicaDataStackProps extends StackProps {
  readonly primaryKeyArn: string;
  readonly primaryFingerprintKeyArn: string;
  /** This region's tables key (TablesKeyStack): it encrypts the table replicas here and their backups. */
  readonly tablesKey: IKey;
  /** The API stack of this region, whose function roles are the only ones that may use the replica keys. */
  readonly apiStackName: string;
}

/**
 * In the secondary region: the replica of the multi-region key (same `mrk-` key id, so ciphertext
 * written in either region decrypts in the other), this region's regional tables, and the AWS Backup plan
 * of the table replicas and regional tables here (the replicas themselves are part of the primary's global
 * table resource).
 */
export class ReplicaDataStack extends Stack {
  readonly dataKeyArn: string;
  readonly fingerprintKeyArn: string;
  readonly regionalTables: Readonly<Partial<Record<TableKey, ITableV2>>>;

  constructor(scope: Construct, id: string, props: ReplicaDataStackProps) {
    super(scope, id, props);
    this.dataKeyArn = this.replicate('DataKey', props.primaryKeyArn, 'xborder: envelope encryption of card and bank data', DATA_KEY_ALIAS, functionsUseDataKey(this, props.apiStackName));
    this.fingerprintKeyArn = this.replicate(
      'FingerprintKey',
      props.primaryFingerprintKeyArn,
      kmsKeys.fingerprint.description,
      kmsKeys.fingerprint.alias,
      functionsUseFingerprintKey(this, props.apiStackName),
    );
    const regional: Partial<Record<TableKey, ITableV2>> = {};
    const encryption = TableEncryptionV2.customerManagedKey(props.tablesKey);
    for (const key of regionalTableKeys) regional[key] = declaredTable(this, key, { encryption, replicaRegions: [] });
    this.regionalTables = regional;
    const stack = Stack.of(this);
    const arnHere = (key: TableKey) => regional[key]?.tableArn ?? stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName(key) });
    new TableBackups(this, 'TableBackups', { tableArns: deployedTableKeys.filter(isBackedUp).map(arnHere), key: props.tablesKey });
  }

  private replicate(id: string, primaryKeyArn: string, description: string, alias: string, use: PolicyStatement): string {
    const replica = new CfnReplicaKey(this, `${id}Replica`, {
      primaryKeyArn,
      description: `${description} (multi-region replica)`,
      enabled: true,
      keyPolicy: new PolicyDocument({ statements: [keyAdministration(this), use, denyGrantsExceptForAwsServices()] }),
    });
    replica.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new CfnAlias(this, `${id}ReplicaAlias`, { aliasName: alias, targetKeyId: replica.attrKeyId });
    return replica.attrArn;
  }
}
