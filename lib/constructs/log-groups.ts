import { RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, LogGroupClass } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { retentionDays } from './retention';

/** The kinds of log group the platform writes, each of one class (platform/deployment.ts `logGroupClasses`). */
export type LogGroupKind = keyof typeof deployment.logGroupClasses;

export const isInfrequentAccess = (kind: LogGroupKind): boolean => (deployment.logGroupClasses[kind] as string) === 'INFREQUENT_ACCESS';

/**
 * A log group's name for its class. CloudWatch Logs fixes a group's class when it is created, so a group of
 * another class is another group, under another name: an Infrequent Access group's name ends `-ia`
 * (decision record 0058). The old group, retained, keeps what it holds until its retention ends.
 */
export const logGroupNameFor = (kind: LogGroupKind, name: string): string => (isInfrequentAccess(kind) ? `${name}-ia` : name);

export interface PlatformLogGroupProps {
  readonly kind: LogGroupKind;
  /** The group's name in the Standard class (`logGroupNameFor` adds the class's suffix). */
  readonly name: string;
  readonly logsKey: IKey;
}

/**
 * Every log group of the platform: KMS-encrypted with the region's logs key, kept `deployment.logRetentionDays`
 * and retained when its stack deletes or replaces it (an audit trail), of its kind's class. A Standard group
 * carries no `LogGroupClass` (the default): writing it out would replace the existing groups.
 */
export const platformLogGroup = (scope: Construct, id: string, props: PlatformLogGroupProps): LogGroup =>
  new LogGroup(scope, id, {
    logGroupName: logGroupNameFor(props.kind, props.name),
    retention: retentionDays(deployment.logRetentionDays),
    encryptionKey: props.logsKey,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(isInfrequentAccess(props.kind) ? { logGroupClass: LogGroupClass.INFREQUENT_ACCESS } : {}),
  });
