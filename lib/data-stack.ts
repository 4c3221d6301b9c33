import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, type ITableV2, ProjectionType, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import { CfnAlias, CfnReplicaKey, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { kmsKeys } from '../platform/keys';
import { type TableDeclaration, type TableKey, tableKeys, tableName, tables } from '../platform/tables';
import { accountAdministersKey, denyGrantsExceptForAwsServices } from './constructs/key-policies';

/**
 * Stateful resources, deployed before and changed far less often than the stateless stacks
 * (docs/decisions/0001-regions-and-stacks.md). Everything here is retained on stack deletion.
 *
 * In the primary region: every declared table as a DynamoDB global table (TableV2, one
 * AWS::DynamoDB::GlobalTable spanning both regions), the multi-region KMS key that envelope-encrypts
 * card and bank data, and the multi-region HMAC key at the root of the keyed fingerprints
 * (platform/keys.ts, docs/decisions/0005-envelope-encryption.md).
 */
export const DATA_KEY_ALIAS = kmsKeys.data.alias;

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
  readonly fingerprintKey: Key;

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

    // KMS cannot rotate HMAC keys; a new fingerprint version is a new key (FINGERPRINT_VERSION).
    this.fingerprintKey = new Key(this, 'FingerprintKey', {
      description: `${kmsKeys.fingerprint.description} (multi-region primary)`,
      multiRegion: true,
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      alias: kmsKeys.fingerprint.alias,
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
          projectionType: index.projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
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
  readonly primaryFingerprintKeyArn: string;
}

/**
 * In the secondary region: the replica of the multi-region key (same `mrk-` key id, so ciphertext
 * written in either region decrypts in the other). Table replicas are part of the primary's global
 * table resource.
 */
export class ReplicaDataStack extends Stack {
  readonly dataKeyArn: string;
  readonly fingerprintKeyArn: string;

  constructor(scope: Construct, id: string, props: ReplicaDataStackProps) {
    super(scope, id, props);
    this.dataKeyArn = this.replicate('DataKey', props.primaryKeyArn, 'xborder: envelope encryption of card and bank data', DATA_KEY_ALIAS);
    this.fingerprintKeyArn = this.replicate('FingerprintKey', props.primaryFingerprintKeyArn, kmsKeys.fingerprint.description, kmsKeys.fingerprint.alias);
  }

  private replicate(id: string, primaryKeyArn: string, description: string, alias: string): string {
    const replica = new CfnReplicaKey(this, `${id}Replica`, {
      primaryKeyArn,
      description: `${description} (multi-region replica)`,
      enabled: true,
      keyPolicy: new PolicyDocument({ statements: [accountAdministersKey(), denyGrantsExceptForAwsServices()] }),
    });
    replica.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new CfnAlias(this, `${id}ReplicaAlias`, { aliasName: alias, targetKeyId: replica.attrKeyId });
    return replica.attrArn;
  }
}
