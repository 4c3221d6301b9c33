import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupSelection, BackupVault } from 'aws-cdk-lib/aws-backup';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { acknowledgeNag } from './acknowledgements';

/**
 * AWS Backup for the tables in one region (AWS Backup is regional, so each region backs up its own
 * replicas and regional tables): a vault encrypted with the region's tables key, from which no one may delete a recovery point
 * (only the plan's lifecycle expires them), and a plan taking a daily backup kept 35 days: copies that a
 * bad write, a deleted table or a compromised role cannot touch, beside point-in-time recovery.
 *
 * Not longer than 35 days, the point-in-time recovery window, until the card items vaulted before card holds
 * are deleted (docs/decisions/0014-card-holds-and-regional-tables.md). The card holds table itself is never
 * selected: no copy of a hold may exist.
 */
export interface TableBackupsProps {
  /** The tables' ARNs in this region. */
  readonly tableArns: readonly string[];
  readonly key: IKey;
}

export const TABLE_BACKUP_RETENTION_DAYS = 35;

export class TableBackups extends Construct {
  readonly vault: BackupVault;
  readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: TableBackupsProps) {
    super(scope, id);
    const name = `${deployment.appName}-tables`;
    this.vault = new BackupVault(this, 'Vault', {
      backupVaultName: name,
      encryptionKey: props.key,
      blockRecoveryPointDeletion: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.plan = new BackupPlan(this, 'Plan', {
      backupPlanName: name,
      backupVault: this.vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'daily',
          scheduleExpression: Schedule.cron({ minute: '0', hour: '5' }),
          deleteAfter: Duration.days(TABLE_BACKUP_RETENTION_DAYS),
        }),
      ],
    });
    const selection = new BackupSelection(this, 'Tables', {
      backupPlan: this.plan,
      backupSelectionName: name,
      resources: props.tableArns.map((arn) => BackupResource.fromArn(arn)),
      allowRestores: false,
    });
    const role = selection.node.tryFindChild('Role');
    if (role) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
        'The AWS-managed policy is the documented role for AWS Backup jobs (assumed only by backup.amazonaws.com): it lets AWS Backup create, describe and delete backups of the selected resources; restores are not allowed to this role.',
      );
    }
  }
}
