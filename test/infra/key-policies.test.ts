import { deployment } from '../../platform/deployment';
import { type FunctionDeclaration, functionKeys, functions } from '../../platform/functions';
import { type OperatorRole, mcpFunctionRoleName } from '../../platform/operator-routes';
import { ENCRYPTION_PURPOSES } from '../../platform/keys';
import { stackName } from '../../lib/platform';
import { asArray, plainArn, resourcesOf, synthesizePlatform, TEST_ACCOUNT } from './synth';

/**
 * The policies of the keys that protect card and bank data (data key, fingerprint key, both regions) and the
 * tables (tables key, both regions): no `kms:*` for the account, administrators who cannot use the key, and
 * each key usable only by whom and for what it is for. IAM then narrows each function further
 * (kms-permissions.test.ts).
 */
const { templates } = synthesizePlatform();

type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};

const policiesOf = (template: (typeof templates)[keyof typeof templates]) =>
  Object.entries(resourcesOf(template))
    .filter(([, resource]) => resource.Type === 'AWS::KMS::Key' || resource.Type === 'AWS::KMS::ReplicaKey')
    .map(([id, resource]) => ({ id, statements: (resource.Properties?.KeyPolicy as { Statement: Statement[] }).Statement }));

const keys = [
  ...policiesOf(templates.primaryData).map((key) => ({ ...key, region: deployment.primaryRegion })),
  ...policiesOf(templates.secondaryData).map((key) => ({ ...key, region: deployment.secondaryRegion })),
  ...policiesOf(templates.primaryTablesKey).map((key) => ({ ...key, region: deployment.primaryRegion })),
  ...policiesOf(templates.secondaryTablesKey).map((key) => ({ ...key, region: deployment.secondaryRegion })),
];
const kind = (id: string) => (id.startsWith('DataKey') ? 'data' : id.startsWith('FingerprintKey') ? 'fingerprint' : id.startsWith('TablesKey') ? 'tables' : 'unknown');

const CRYPTOGRAPHIC_ACTIONS = /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|GenerateMac|VerifyMac|Sign|Verify|CreateGrant|\*)/;
const accountRoot = { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` };
const principalOf = (statement: Statement) => JSON.parse(JSON.stringify(statement.Principal, (_key, value) => (value?.['Fn::Join'] ? plainArn(value) : value)));
const deploymentRoles = [deployment.primaryRegion, deployment.secondaryRegion].map(
  (region) => `arn:aws:iam::${TEST_ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${TEST_ACCOUNT}-${region}`,
);

it('covers the data, fingerprint and tables keys of both regions', () => {
  expect(keys.map((key) => `${kind(key.id)}@${key.region}`).sort()).toEqual(
    ['data', 'fingerprint', 'tables'].flatMap((name) => [deployment.primaryRegion, deployment.secondaryRegion].map((region) => `${name}@${region}`)).sort(),
  );
});

describe.each(keys.map((key) => [`${kind(key.id)} key in ${key.region}`, key] as const))('the %s', (_name, key) => {
  const allows = key.statements.filter((statement) => statement.Effect === 'Allow');

  it('grants kms:* to no one and nothing to the account without a condition', () => {
    for (const statement of allows) {
      expect({ sid: statement.Sid, actions: asArray(statement.Action) }).not.toEqual({ sid: statement.Sid, actions: expect.arrayContaining(['kms:*']) });
      if (JSON.stringify(principalOf(statement)) === JSON.stringify(accountRoot) || JSON.stringify(principalOf(statement)) === '{"AWS":"*"}') {
        expect({ sid: statement.Sid, conditioned: Object.keys(statement.Condition ?? {}).length > 0 }).toEqual({ sid: statement.Sid, conditioned: true });
      }
    }
  });

  it('is administered by the deployment roles of both regions, which cannot use it', () => {
    const administration = allows.find((statement) => statement.Sid === 'DeploymentsAdministerKey');
    expect(administration?.Condition?.ArnEquals?.['aws:PrincipalArn']).toBeDefined();
    expect(asArray(administration?.Condition?.ArnEquals?.['aws:PrincipalArn']).map(plainArn)).toEqual(deploymentRoles);
    expect(asArray(administration?.Action).filter((action) => CRYPTOGRAPHIC_ACTIONS.test(action))).toEqual([]);
    expect(asArray(administration?.Action)).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']));
  });

  it('denies grants except for AWS resources and services', () => {
    expect(key.statements).toContainEqual(expect.objectContaining({ Sid: 'DenyGrantsExceptForAwsServices', Effect: 'Deny', Action: 'kms:CreateGrant' }));
  });

  it('can be used only by whom and for what it is for', () => {
    const uses = allows.filter((statement) => statement.Sid !== 'DeploymentsAdministerKey');
    const apiRoles = `arn:aws:iam::${TEST_ACCOUNT}:role/${stackName('Api', key.region)}-*`;
    if (kind(key.id) === 'data') {
      expect(uses).toHaveLength(1);
      expect(asArray(uses[0]?.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(plainArn(uses[0]?.Condition?.ArnLike?.['aws:PrincipalArn'])).toBe(apiRoles);
      expect(uses[0]?.Condition?.StringEquals).toEqual({ 'kms:EncryptionContext:purpose': [...ENCRYPTION_PURPOSES] });
      expect(uses[0]?.Condition?.Null).toEqual({ 'kms:EncryptionContext:merchant_id': 'false' });
    } else if (kind(key.id) === 'fingerprint') {
      expect(uses).toHaveLength(1);
      expect(asArray(uses[0]?.Action)).toEqual(['kms:GenerateMac']);
      expect(plainArn(uses[0]?.Condition?.ArnLike?.['aws:PrincipalArn'])).toBe(apiRoles);
      expect(uses[0]?.Condition?.StringEquals).toEqual({ 'kms:MacAlgorithm': 'HMAC_SHA_256' });
    } else {
      expect(uses.map((statement) => statement.Sid).sort()).toEqual(['DynamoDbReadsKeyMetadata', 'UseThroughDynamoDbAndBackupOnly']);
      const throughServices = uses.find((statement) => statement.Sid === 'UseThroughDynamoDbAndBackupOnly');
      expect(throughServices?.Condition?.StringEquals).toEqual({
        'kms:CallerAccount': TEST_ACCOUNT,
        'kms:ViaService': [`dynamodb.${key.region}.amazonaws.com`, `backup.${key.region}.amazonaws.com`],
      });
      const metadata = uses.find((statement) => statement.Sid === 'DynamoDbReadsKeyMetadata');
      expect(metadata?.Principal).toEqual({ Service: 'dynamodb.amazonaws.com' });
      expect(asArray(metadata?.Action).filter((action) => CRYPTOGRAPHIC_ACTIONS.test(action))).toEqual([]);
    }
  });
});

describe('the function roles the data keys name', () => {
  it.each([
    ['primary', templates.primaryApi, deployment.primaryRegion],
    ['secondary', templates.secondaryApi, deployment.secondaryRegion],
  ])("are all named by CloudFormation after their %s API stack (no role sets its own name but the MCP functions', which use no key)", (_region, template, region) => {
    const lambdaRoles = Object.values(resourcesOf(template))
      .filter((resource) => resource.Type === 'AWS::IAM::Role')
      .filter((resource) => JSON.stringify(resource.Properties?.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'));
    expect(lambdaRoles.length).toBeGreaterThan(0);
    // The MCP functions' roles are named for the operator API (decision 0045), so the data keys' `<api stack>-*`
    // pattern does not reach them: they are declared without KMS use, and must stay so.
    const mcpServers = functionKeys.filter((key) => (functions[key] as FunctionDeclaration).mcpServer);
    expect(mcpServers.filter((key) => (functions[key] as FunctionDeclaration).kms)).toEqual([]);
    expect(lambdaRoles.map((role) => role.Properties?.RoleName).filter((name) => name !== undefined).sort()).toEqual(
      mcpServers.map((key) => mcpFunctionRoleName((functions[key] as FunctionDeclaration).mcpServer?.role as OperatorRole, region)).sort(),
    );
  });
});
