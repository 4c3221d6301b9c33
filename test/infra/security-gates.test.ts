import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { acknowledgementsOf, addSecurityGates, createPlatformApp } from '../../lib/app';
import { UNRESERVED, functionKeys, functions, reservedConcurrencyTotal } from '../../platform/functions';

/**
 * The security gates (cdk-nag AWS Solutions, PCI DSS 3.2.1, NIST 800-53 R5; cfn-guard Control Tower rules)
 * really fail on a violation, and every acknowledgement says why and is documented (that the platform passes
 * them: cdk-synth.test.ts).
 */
const gatedApp = () =>
  createPlatformApp({
    account: '123456789012',
    outdir: mkdtempSync(join(tmpdir(), 'xborder-gates-')),
    context: { 'aws:cdk:bundling-stacks': [] },
  });

type Report = { pluginReports: { violations?: { ruleName: string }[] }[] };
const violationsIn = (outdir: string): string[] =>
  (JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report).pluginReports.flatMap((report) =>
    (report.violations ?? []).map((violation) => violation.ruleName),
  );

// That the platform passes every gate is checked on the real `cdk synth` (cdk-synth.test.ts): one gated
// synthesis of the whole platform is minutes of CPU on a 2-core machine, so it is done once.
it('fails synthesis, in both cdk-nag and cfn-guard, when a resource breaks a rule', () => {
  // The same gates on an app of one intruding stack: what they catch does not depend on the platform beside it.
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'xborder-gates-')) });
  addSecurityGates(app);
  const intruder = new Stack(app, 'Intruder', { env: { account: '123456789012', region: 'us-east-1' } });
  new LogGroup(intruder, 'UnencryptedLogs');
  const role = new Role(intruder, 'GreedyRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
  // A global table as TableV2 makes it by default: AWS-owned key, no PITR, no deletion protection, no backups.
  new TableV2(intruder, 'BareGlobalTable', {
    tableName: 'intruder',
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    removalPolicy: RemovalPolicy.RETAIN,
    replicas: [{ region: 'us-west-2' }],
  });

  expect(() => app.synth()).toThrow();
  const violations = violationsIn(app.outdir);
  expect(violations).toEqual(
    expect.arrayContaining([
      'cloudwatch_log_group_encrypted_check',
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'PCI.DSS.321-CloudWatchLogGroupEncrypted',
      'AwsSolutions-IAM5[Action::dynamodb:*]',
      'xborder_global_table_pitr_check',
      'xborder_global_table_deletion_protection_check',
      'xborder_global_table_customer_managed_key_check',
      'xborder_global_table_backup_plan_check',
    ]),
  );
});

describe('acknowledgements', () => {
  const { app } = gatedApp();
  const acknowledgements = acknowledgementsOf(app);
  const securityDoc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'security.md'), 'utf8');

  it('exist only with a specific reason', () => {
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const acknowledgement of acknowledgements) {
      expect(acknowledgement.reason.length).toBeGreaterThanOrEqual(60);
    }
  });

  it('are each listed in docs/security.md', () => {
    // Finding-level ids that name one deployment's region, account and API logical id are listed with placeholders.
    const documentedForm = (rule: string) =>
      rule
        .replace(/execute-api:[a-z0-9-]+:\d{12}:<[A-Za-z0-9]+>/, 'execute-api:<region>:<account>:<OperatorApi>')
        .replace(/states:[a-z0-9-]+:\d{12}:/, 'states:<region>:<account>:')
        .replace(/cloudwatch:[a-z0-9-]+:\d{12}:/, 'cloudwatch:<region>:<account>:');
    const rules = [...new Set(acknowledgements.map((acknowledgement) => documentedForm(acknowledgement.rule)))];
    for (const rule of rules) expect(securityDoc).toContain(rule);
  });
});

it('reserves concurrency that leaves the money path at least 750 of a default 1,000-execution account quota', () => {
  // AWS requires 100 unreserved; the money path's unreserved functions share what the reservations leave (decision 0029).
  expect(reservedConcurrencyTotal()).toBeLessThanOrEqual(250);
  expect(functionKeys.filter((key) => functions[key].reservedConcurrency === UNRESERVED)).toEqual(expect.arrayContaining(['createPayment', 'authorizePayment', 'receiveChannelEvent']));
});
