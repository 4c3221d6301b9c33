/**
 * Stages (docs/decisions/0034-stages.md): the platform synthesized as `-c stage=prod` (here through
 * XBORDER_STAGE, which bin/payments.ts's context also sets) has names of its own, so it can share an account
 * with dev; every resource carries the stage's tags; every function knows its stage; and prod's money is live
 * (`sk_live_` keys, `livemode: true`). The modules are imported after the stage is set: they read it at load.
 */
process.env.XBORDER_STAGE = 'prod';

type Synthesized = Awaited<typeof import('./synth')>['synthesizePlatform'] extends (...args: never[]) => infer R ? R : never;
let platform: Synthesized;
let deployment: (typeof import('../../platform/deployment'))['deployment'];

beforeAll(async () => {
  ({ deployment } = await import('../../platform/deployment'));
  platform = (await import('./synth')).synthesizePlatform();
}, 300_000);

afterAll(() => {
  delete process.env.XBORDER_STAGE;
});

it('names every stack, table and function with the stage, apart from dev\'s', () => {
  expect(deployment).toMatchObject({ stage: 'prod', appName: 'xborder-prod', live: true });
  expect(platform.stacks.primaryApi.stackName).toBe(`XborderProd-Api-${deployment.primaryRegion}`);
  expect(platform.stacks.secondaryData.stackName).toBe(`XborderProd-Data-${deployment.secondaryRegion}`);
  const tables = Object.values(platform.templates.primaryData.findResources('AWS::DynamoDB::GlobalTable')).map((table) => String((table as { Properties: { TableName: string } }).Properties.TableName));
  expect(tables.length).toBeGreaterThan(5);
  for (const name of tables) expect(name).toMatch(/^xborder-prod-/);
  const functions = Object.values(platform.templates.primaryApi.findResources('AWS::Lambda::Function')) as { Properties: { FunctionName?: string; Environment?: { Variables?: Record<string, unknown> } } }[];
  const platformFunctions = functions.filter((fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME !== undefined);
  expect(platformFunctions.length).toBeGreaterThan(50);
  for (const fn of platformFunctions) {
    expect(String(fn.Properties.FunctionName)).toMatch(/^xborder-prod-/);
    expect(fn.Properties.Environment?.Variables).toMatchObject({ XBORDER_STAGE: 'prod', POWERTOOLS_METRICS_NAMESPACE: 'xborder-prod' });
  }
});

it('tags every stack with the application, the stage, its owner, cost centre and data classification', () => {
  for (const stack of Object.values(platform.stacks)) {
    expect(stack.tags.tagValues()).toEqual({
      application: 'xborder',
      stage: 'prod',
      environment: 'prod',
      owner: 'payments-platform',
      'cost-centre': 'payments-operations',
      'data-classification': 'pci-cardholder-data',
    });
  }
});

it('issues live keys and answers livemode: true, and refuses a test key', async () => {
  const { issueApiKey, apiKeyId } = await import('../../lambdas/domain/api-key');
  const { presentBalance } = await import('../../lambdas/shared/http/presenters');
  const issued = issueApiKey();
  expect(issued.secretKey).toMatch(/^sk_live_/);
  expect(issueApiKey(undefined, 'restricted').secretKey).toMatch(/^rk_live_/);
  expect(apiKeyId(issued.secretKey)).toBe(issued.keyId);
  expect(apiKeyId(issued.secretKey.replace('sk_live_', 'sk_test_'))).toBeUndefined();
  expect(presentBalance([]).livemode).toBe(true);
});
