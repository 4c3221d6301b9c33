import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployment } from '../../platform/deployment';
import { functionKeys } from '../../platform/functions';
import { stackName } from '../../lib/platform';

/**
 * `npx cdk synth` as a new user runs it: offline, no AWS credentials, real esbuild bundling of every
 * function, CDK's built-in template validation on.
 */
const root = join(import.meta.dirname, '..', '..');
const testDomain = { domainName: 'api.xborder.example', hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'xborder.example' };
const outdir = mkdtempSync(join(tmpdir(), 'xborder-synth-'));
const stacks = [
  stackName('Data', deployment.primaryRegion),
  stackName('Data', deployment.secondaryRegion),
  stackName('Api', deployment.primaryRegion),
  stackName('Api', deployment.secondaryRegion),
  stackName('TablesKey', deployment.primaryRegion),
  stackName('TablesKey', deployment.secondaryRegion),
];

beforeAll(() => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AWS_|CDK_)/.test(name)));
  // With the merchant API's custom domain, so the gates also pass the Route 53 failover resources.
  const domain = ['--context', `merchantApiDomain=${testDomain.domainName}`, '--context', `merchantApiHostedZoneId=${testDomain.hostedZoneId}`, '--context', `merchantApiHostedZoneName=${testDomain.hostedZoneName}`];
  execFileSync(process.execPath, [join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--output', outdir, ...domain], {
    cwd: root,
    env: { ...env, AWS_EC2_METADATA_DISABLED: 'true' },
    stdio: 'pipe',
  });
}, 180_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it('passes every security gate (cdk-nag packs, cfn-guard rules) with zero unacknowledged findings', () => {
  type Report = { pluginReports: { pluginName: string; violations?: { ruleName: string }[] }[] };
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;
  // cdk-nag's findings fail the synthesis itself (beforeAll); the validators' report says what they found.
  expect(report.pluginReports.length).toBeGreaterThanOrEqual(1);
  expect(report.pluginReports.flatMap((plugin) => (plugin.violations ?? []).map((violation) => `${plugin.pluginName}: ${violation.ruleName}`))).toEqual([]);
});

it('writes a template for every stack of both regions', () => {
  for (const stack of stacks) expect(existsSync(join(outdir, `${stack}.template.json`))).toBe(true);
});

it('bundles every function as an ES module with a source map', () => {
  type Resources = Record<string, { Type: string; Metadata?: Record<string, string> }>;
  const resourcesOf = (file: string): Resources => JSON.parse(readFileSync(join(outdir, file), 'utf8')).Resources;
  // The API stack keeps its functions in a nested stack: its template is an asset of the parent's.
  const parent = resourcesOf(`${stacks[2]}.template.json`);
  const nested = Object.values(parent)
    .filter((resource) => resource.Type === 'AWS::CloudFormation::Stack' && resource.Metadata?.['aws:asset:path'])
    .map((resource) => resourcesOf(resource.Metadata?.['aws:asset:path'] as string));
  const assets = [parent, ...nested]
    .flatMap((resources) => Object.values(resources))
    .filter((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.['aws:asset:path'])
    .map((resource) => join(outdir, resource.Metadata?.['aws:asset:path'] as string));
  expect(assets).toHaveLength(functionKeys.length);
  for (const asset of assets) {
    expect(existsSync(join(asset, 'index.mjs'))).toBe(true);
    expect(existsSync(join(asset, 'index.mjs.map'))).toBe(true);
  }
});

it('puts the global table replica and the replica key in the secondary region', () => {
  const primary = readFileSync(join(outdir, `${stacks[0]}.template.json`), 'utf8');
  const secondary = readFileSync(join(outdir, `${stacks[1]}.template.json`), 'utf8');
  expect(primary).toContain(`"Region": "${deployment.secondaryRegion}"`);
  expect(secondary).toContain('AWS::KMS::ReplicaKey');
});

it('answers the merchant API domain from both regions with Route 53 failover records and health checks', () => {
  type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  const resourcesOf = (stack: string): Resources => JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8')).Resources;
  for (const [stack, failover] of [[stacks[2], 'PRIMARY'], [stacks[3], 'SECONDARY']] as const) {
    const resources = Object.values(resourcesOf(stack as string));
    expect(resources.filter((resource) => resource.Type === 'AWS::Route53::HealthCheck')).toHaveLength(1);
    expect(resources.filter((resource) => resource.Type === 'AWS::Route53::RecordSet').map((resource) => resource.Properties)).toEqual([
      expect.objectContaining({ Name: `${testDomain.domainName}.`, Type: 'A', Failover: failover, HostedZoneId: testDomain.hostedZoneId }),
    ]);
  }
});
