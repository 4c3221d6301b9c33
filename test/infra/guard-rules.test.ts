import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2, type TablePropsV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { GUARD_RULES_DIR, guardValidator } from '../../lib/app';
import { TableBackups } from '../../lib/constructs/table-backups';

/**
 * Our cfn-guard rules for DynamoDB global tables (lib/gates/guard/), run by the validator the app's gates use
 * (lib/app.ts `guardValidator`, here without the Control Tower rules): a table that meets them passes, and a table missing each property fails synthesis
 * with that rule's finding on that table. (cdk-nag's and Control Tower's DynamoDB rules never see these tables:
 * they check AWS::DynamoDB::Table.)
 */
const ACCOUNT = '123456789012';
const RULES = {
  pitr: 'xborder_global_table_pitr_check',
  deletionProtection: 'xborder_global_table_deletion_protection_check',
  customerManagedKey: 'xborder_global_table_customer_managed_key_check',
  backupPlan: 'xborder_global_table_backup_plan_check',
} as const;
const ourRules = new Set<string>(Object.values(RULES));

type Variant = {
  readonly props?: Partial<TablePropsV2>;
  /** Back up this table (default), another one, two others (this one left out, as the card holds are), or nothing. */
  readonly backup?: 'this' | 'other' | 'others' | 'none';
  readonly encryption?: 'customer-managed' | 'aws-managed' | 'aws-managed-alias' | 'none';
};

type Report = { pluginReports: { violations?: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[] };

/** Synthesizes one table like the platform's, changed by the variant, and returns our rules' findings: rule → construct paths. */
const findings = (variant: Variant): Map<string, string[]> => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'xborder-guard-')) });
  // Our rules only: the Control Tower rules' few hundred checks add a quarter of a minute per synthesis and no finding this file looks at.
  Validations.of(app).addPlugins(guardValidator({ controlTowerRules: false }));
  const stack = new Stack(app, 'Tables', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const key = new Key(stack, 'TablesKey', { enableKeyRotation: true });
  const encryption = {
    'customer-managed': TableEncryptionV2.customerManagedKey(key, { 'us-west-2': `arn:aws:kms:us-west-2:${ACCOUNT}:alias/xborder-tables` }),
    'aws-managed': TableEncryptionV2.awsManagedKey(),
    'aws-managed-alias': TableEncryptionV2.customerManagedKey(Key.fromKeyArn(stack, 'AwsManaged', `arn:aws:kms:us-east-1:${ACCOUNT}:alias/aws/dynamodb`), {
      'us-west-2': `arn:aws:kms:us-west-2:${ACCOUNT}:alias/aws/dynamodb`,
    }),
    none: undefined,
  }[variant.encryption ?? 'customer-managed'];
  const tableProps = (name: string): TablePropsV2 => ({
    tableName: name,
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    billing: Billing.onDemand(),
    encryption,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    replicas: [{ region: 'us-west-2' }],
    ...variant.props,
  });
  const table = new TableV2(stack, 'Table', tableProps('xborder-under-test'));
  const backup = variant.backup ?? 'this';
  if (backup !== 'none') {
    const backedUp =
      backup === 'this'
        ? [table]
        : [new TableV2(stack, 'OtherTable', { ...tableProps('xborder-other'), ...variant.props })].concat(
            backup === 'others' ? [new TableV2(stack, 'ThirdTable', { ...tableProps('xborder-third'), ...variant.props })] : [],
          );
    new TableBackups(stack, 'Backups', { tableArns: backedUp.map((selected) => selected.tableArn), key });
  }
  try {
    app.synth();
  } catch {
    // Findings fail synthesis; the report says which.
  }
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as Report;
  const byRule = new Map<string, string[]>();
  for (const violation of report.pluginReports.flatMap((plugin) => plugin.violations ?? [])) {
    if (!ourRules.has(violation.ruleName)) continue;
    byRule.set(violation.ruleName, [...(byRule.get(violation.ruleName) ?? []), ...violation.violatingConstructs.map((construct) => construct.constructPath)]);
  }
  return byRule;
};

it('has one rule file per rule, and only rule files, in the directory the validator reads', () => {
  expect(readdirSync(GUARD_RULES_DIR).sort()).toEqual([
    'global-table-backup-plan.guard',
    'global-table-customer-managed-key.guard',
    'global-table-deletion-protection.guard',
    'global-table-point-in-time-recovery.guard',
  ]);
});

it('passes a global table like the platform\'s: PITR and deletion protection on every replica, a customer-managed key per replica, in a backup plan', () => {
  expect(findings({})).toEqual(new Map());
});

it.each([
  ['point-in-time recovery is off', RULES.pitr, { props: { pointInTimeRecoverySpecification: undefined } }],
  ['deletion protection is off', RULES.deletionProtection, { props: { deletionProtection: false } }],
  ['the table uses the AWS-owned key (no SSESpecification)', RULES.customerManagedKey, { encryption: 'none' }],
  ['the table uses the AWS-managed DynamoDB key (no key per replica)', RULES.customerManagedKey, { encryption: 'aws-managed' }],
  ['the replicas name the AWS-managed alias', RULES.customerManagedKey, { encryption: 'aws-managed-alias' }],
  ['no backup plan exists', RULES.backupPlan, { backup: 'none' }],
  ['the backup plan selects another table only', RULES.backupPlan, { backup: 'other' }],
  ['the backup plan selects two other tables, not it', RULES.backupPlan, { backup: 'others' }],
] as const)('refuses a global table when %s', (_case, rule, variant) => {
  const found = findings(variant as Variant);
  expect([...new Set(found.get(rule))]).toEqual(['Tables/Table/Resource']);
  // Each property is checked by its own rule only.
  expect([...found.keys()]).toEqual([rule]);
});
