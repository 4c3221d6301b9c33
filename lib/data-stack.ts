import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, type ITableV2, ProjectionType, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import { CfnAlias, CfnReplicaKey, Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { deployment } from '../platform/deployment';
import { type TableDeclaration, type TableKey, tableKeys, tableName, tables } from '../platform/tables';
import { accountAdministersKey, denyGrantsExceptForAwsServices } from './constructs/key-policies';

/**
 * Stateful resources, deployed before and changed far less often than the stateless stacks
 * (docs/decisions/0001-regions-and-stacks.md). Everything here is retained on stack deletion.
 */
export const DATA_KEY_ALIAS = `alias/${deployment.appName}-data`;

const attributeType = (type: 'S' | 'N') => (type === 'S' ? AttributeType.STRING : AttributeType.NUMBER);

export interface PrimaryDataStackProps extends StackProps {
  readonly replicaRegions: readonly string[];
}

/**
 * In the primary region: every declared table as a DynamoDB global table (TableV2, one
 * AWS::DynamoDB::GlobalTable spanning both regions) and the multi-region key that envelope-encrypts card
 * and bank data.
 */
export class PrimaryDataStack extends Stack {
  readonly tables: Readonly<Record<TableKey, ITableV2>>;
  readonly dataKey: Key;

  constructor(scope: Construct, id: string, props: PrimaryDataStackProps) {
    super(scope, id, props);

    this.dataKey = new Key(this, 'DataKey', {
      description: 'xborder: envelope encryption of card and bank data (multi-region primary)',
      multiRegion: true,
      enableKeyRotation: true,
      alias: DATA_KEY_ALIAS,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new PolicyDocument({ statements: [accountAdministersKey(), denyGrantsExceptForAwsServices()] }),
    });

    const created = {} as Record<TableKey, ITableV2>;
    for (const key of tableKeys) {
      const declaration: TableDeclaration = tables[key];
      if (declaration.localOnly) continue;
      created[key] = new TableV2(this, `${key[0]?.toUpperCase()}${key.slice(1)}Table`, {
        tableName: tableName(key),
        partitionKey: { name: declaration.partitionKey.name, type: attributeType(declaration.partitionKey.type) },
        sortKey: declaration.sortKey
          ? { name: declaration.sortKey.name, type: attributeType(declaration.sortKey.type) }
          : undefined,
        globalSecondaryIndexes: declaration.indexes.map((index) => ({
          indexName: index.name,
          partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
          sortKey: index.sortKey ? { name: index.sortKey.name, type: attributeType(index.sortKey.type) } : undefined,
          projectionType: ProjectionType.ALL,
        })),
        timeToLiveAttribute: declaration.timeToLiveAttribute,
        billing: Billing.onDemand(),
        encryption: TableEncryptionV2.awsManagedKey(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
        replicas: props.replicaRegions.map((region) => ({ region })),
      });
    }
    this.tables = created;
  }
}

export interface ReplicaDataStackProps extends StackProps {
  readonly primaryKeyArn: string;
}

/**
 * In the secondary region: the replica of the multi-region key (same `mrk-` key id, so ciphertext
 * written in either region decrypts in the other). Table replicas are part of the primary's global
 * table resource.
 */
export class ReplicaDataStack extends Stack {
  readonly dataKeyArn: string;

  constructor(scope: Construct, id: string, props: ReplicaDataStackProps) {
    super(scope, id, props);
    const replica = new CfnReplicaKey(this, 'DataKeyReplica', {
      primaryKeyArn: props.primaryKeyArn,
      description: 'xborder: envelope encryption of card and bank data (multi-region replica)',
      enabled: true,
      keyPolicy: new PolicyDocument({ statements: [accountAdministersKey(), denyGrantsExceptForAwsServices()] }),
    });
    replica.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new CfnAlias(this, 'DataKeyReplicaAlias', { aliasName: DATA_KEY_ALIAS, targetKeyId: replica.attrKeyId });
    this.dataKeyArn = replica.attrArn;
  }
}
