import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { kmsStatements } from '../../lib/constructs/kms-grants';
import { createPlatformApp } from '../../lib/app';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functionName, functions } from '../../platform/functions';
import { deployment } from '../../platform/deployment';
import { withNestedStacks } from './synth';
import { kmsKeys } from '../../platform/keys';

/**
 * KMS least privilege, read from the synthesized templates: every function's role holds exactly the
 * KMS actions its declaration names (platform/functions.ts), conditioned on the declared purposes, and
 * only functions declared with `decrypt` can decrypt. Nothing grants kms:* or acts on `*`.
 */
type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>>; Sid?: string };

const { stacks: platform } = createPlatformApp({ account: '123456789012', gates: false, context: { 'aws:cdk:bundling-stacks': [] } });
const apiStacks = { primary: platform.primaryApi, secondary: platform.secondaryApi };

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** Function name → the statements of the policies attached to its role. */
const statementsByFunction = (stack: Stack): Map<string, Statement[]> => {
  const resources = withNestedStacks(stack).toJSON().Resources as Record<string, Resource>;
  const roleOfFunction = new Map<string, string>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const role = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    if (role) roleOfFunction.set(role, resource.Properties.FunctionName as string);
  }
  const byFunction = new Map<string, Statement[]>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const statements = (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    for (const role of (resource.Properties.Roles as { Ref: string }[] | undefined) ?? []) {
      const name = roleOfFunction.get(role.Ref);
      if (name) byFunction.set(name, [...(byFunction.get(name) ?? []), ...statements]);
    }
  }
  return byFunction;
};

/**
 * Decrypting a Secrets Manager secret (a channel's API key) goes through Secrets Manager and the secrets
 * key only: it can never reach card or bank data. Those statements are checked on their own below and left
 * out of the data-key checks.
 */
const isSecretsManagerDecrypt = (statement: Statement) =>
  JSON.stringify(statement.Condition?.StringEquals?.['kms:ViaService'] ?? '').includes('secretsmanager.');

const kmsActionsOf = (statements: readonly Statement[]) =>
  statements
    .filter((statement) => !isSecretsManagerDecrypt(statement))
    .flatMap((statement) => asList(statement.Action))
    .filter((action) => action.startsWith('kms:'))
    .sort();

const expectedKmsActions = (declaration: FunctionDeclaration): string[] =>
  [
    ...(declaration.kms?.encrypt?.length ? ['kms:GenerateDataKey'] : []),
    ...(declaration.kms?.decrypt?.length ? ['kms:Decrypt'] : []),
    ...(declaration.kms?.fingerprint ? ['kms:GenerateMac'] : []),
  ].sort();

const declared = (key: FunctionKey): FunctionDeclaration => functions[key];

describe.each(Object.entries(apiStacks))('KMS permissions in the %s API stack', (_region, stack) => {
  const byFunction = statementsByFunction(stack);

  it('gives every function exactly the KMS actions it declares', () => {
    for (const key of functionKeys) {
      const statements = byFunction.get(functionName(deployment.appName, key)) ?? [];
      expect({ function: key, actions: kmsActionsOf(statements) }).toEqual({ function: key, actions: expectedKmsActions(declared(key)) });
    }
  });

  it('lets only functions declared with decrypt decrypt data, and only for their purposes', () => {
    const decrypting = [...byFunction.entries()].filter(([, statements]) => kmsActionsOf(statements).includes('kms:Decrypt')).map(([name]) => name).sort();
    const declaredDecrypting = functionKeys.filter((key) => declared(key).kms?.decrypt?.length).map((key) => functionName(deployment.appName, key)).sort();
    expect(decrypting).toEqual(declaredDecrypting);
    expect(kmsActionsOf(byFunction.get(functionName(deployment.appName, 'createPayment')) ?? [])).not.toContain('kms:Decrypt');
  });

  it('lets functions decrypt their secrets only through Secrets Manager, with the secrets key, and only functions that read secrets', () => {
    for (const key of functionKeys) {
      const throughSecretsManager = (byFunction.get(functionName(deployment.appName, key)) ?? []).filter(isSecretsManagerDecrypt);
      const readsSecrets = Boolean(declared(key).cardChannels || declared(key).secrets?.length);
      expect({ function: key, count: throughSecretsManager.length }).toEqual({ function: key, count: readsSecrets ? 1 : 0 });
      for (const statement of throughSecretsManager) {
        expect(asList(statement.Action)).toEqual(['kms:Decrypt']);
        expect(JSON.stringify(statement.Resource)).toContain('SecretsKey');
      }
    }
  });

  it('binds data key use to a merchant and the declared purposes, and grants nothing on `*`', () => {
    for (const key of functionKeys) {
      for (const statement of byFunction.get(functionName(deployment.appName, key)) ?? []) {
        if (isSecretsManagerDecrypt(statement)) continue;
        const actions = asList(statement.Action).filter((action) => action.startsWith('kms:'));
        if (actions.length === 0) continue;
        expect(actions).not.toEqual(expect.arrayContaining(['kms:*']));
        expect(statement.Resource).not.toBe('*');
        if (actions.includes('kms:GenerateDataKey') || actions.includes('kms:Decrypt')) {
          const purposes = actions.includes('kms:Decrypt') ? declared(key).kms?.decrypt : declared(key).kms?.encrypt;
          expect(statement.Condition).toEqual({
            StringEquals: { 'kms:EncryptionContext:purpose': purposes },
            Null: { 'kms:EncryptionContext:merchant_id': 'false' },
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['merchant_id', 'purpose'] },
          });
        }
      }
    }
  });

  it('gives the key ARNs only to functions that use KMS', () => {
    const template = withNestedStacks(stack);
    const functionsInTemplate = template.findResources('AWS::Lambda::Function');
    for (const resource of Object.values(functionsInTemplate)) {
      const key = functionKeys.find((candidate) => functionName(deployment.appName, candidate) === resource.Properties.FunctionName);
      if (!key) continue;
      const variables = Object.keys(resource.Properties.Environment?.Variables ?? {});
      const usesKms = expectedKmsActions(declared(key)).length > 0;
      expect({ function: key, hasKeys: variables.includes(kmsKeys.data.envVar) && variables.includes(kmsKeys.fingerprint.envVar) }).toEqual({ function: key, hasKeys: usesKms });
    }
  });
});

describe('the POST /v1/payments function', () => {
  it('may create card hold data keys and derive the fingerprint key, and nothing else with KMS', () => {
    const statements = statementsByFunction(platform.primaryApi).get(functionName(deployment.appName, 'createPayment')) ?? [];
    expect(kmsActionsOf(statements)).toEqual(['kms:GenerateDataKey', 'kms:GenerateMac']);
    const generate = statements.find((statement) => asList(statement.Action).includes('kms:GenerateDataKey'));
    expect(generate?.Condition?.StringEquals).toEqual({ 'kms:EncryptionContext:purpose': ['card'] });
  });
});

describe('kmsStatements', () => {
  it('turns a decrypt declaration into kms:Decrypt on the data key for those purposes only', () => {
    const stack = new Stack(new App(), 'Grants', { env: { account: '123456789012', region: deployment.primaryRegion } });
    const role = new Role(stack, 'Role', { assumedBy: new AccountRootPrincipal() });
    const keys = { data: 'arn:aws:kms:us-east-1:123456789012:key/mrk-00000000000000000000000000000001', fingerprint: 'arn:aws:kms:us-east-1:123456789012:key/mrk-00000000000000000000000000000002' };
    for (const statement of kmsStatements({ decrypt: ['card'] }, keys)) role.addToPolicy(statement);
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'DataKeyDecrypt',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keys.data,
        Condition: {
          StringEquals: { 'kms:EncryptionContext:purpose': ['card'] },
          Null: { 'kms:EncryptionContext:merchant_id': 'false' },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['merchant_id', 'purpose'] },
        },
      },
    ]);
  });

  it('grants nothing to a function that declares no KMS use', () => {
    expect(kmsStatements(undefined, { data: 'a', fingerprint: 'b' })).toEqual([]);
    expect(kmsStatements({ encrypt: [], decrypt: [] }, { data: 'a', fingerprint: 'b' })).toEqual([]);
  });
});
