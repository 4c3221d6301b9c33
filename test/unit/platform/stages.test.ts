import { STAGES, stageOf, stages } from '../../../platform/deployment';

/**
 * The stage a process runs as (platform/deployment.ts): XBORDER_STAGE first, then the CDK context's `stage`
 * (bin/payments.ts under `npx cdk synth -c stage=...`), then dev; nothing else is accepted.
 */
it.each<[string, Record<string, string | undefined>, string]>([
  ['dev when nothing says otherwise', {}, 'dev'],
  ['the CDK context', { CDK_CONTEXT_JSON: JSON.stringify({ stage: 'staging', account: '1' }) }, 'staging'],
  ['the environment over the context', { XBORDER_STAGE: 'prod', CDK_CONTEXT_JSON: JSON.stringify({ stage: 'staging' }) }, 'prod'],
  ['dev for a context that does not parse', { CDK_CONTEXT_JSON: '{' }, 'dev'],
])('takes %s', (_case, env, expected) => {
  expect(stageOf(env)).toBe(expected);
});

it('refuses a stage it does not know, naming the ones it does', () => {
  expect(() => stageOf({ XBORDER_STAGE: 'production' })).toThrow("unknown stage 'production': use one of dev, staging, prod");
  expect(() => stageOf({ CDK_CONTEXT_JSON: JSON.stringify({ stage: 7 }) })).toThrow(/unknown stage '7'/);
});

it('gives each stage names of its own (so stages can share an account), and live money to prod only', () => {
  expect(new Set(STAGES.map((stage) => stages[stage].appName)).size).toBe(STAGES.length);
  expect(new Set(STAGES.map((stage) => stages[stage].stackPrefix)).size).toBe(STAGES.length);
  expect(STAGES.filter((stage) => stages[stage].live)).toEqual(['prod']);
  expect(stages.dev.appName).toBe('xborder');
  for (const stage of STAGES) expect(Object.keys(stages[stage].tags).sort()).toEqual(['cost-centre', 'data-classification', 'environment', 'owner']);
});
