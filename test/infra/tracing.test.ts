import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { deployment } from '../../platform/deployment';
import { functionKeys, functionName } from '../../platform/functions';
import { resourcesOf, synthesizePlatform } from './synth';

/**
 * Tracing is active on every function, and X-Ray must never hold what a function answers (a new API key is
 * shown once, in a response) nor an error's message and stack: every traced function carries the
 * Powertools switches that turn both off, and the only tracing middleware in the code passes
 * `captureResponse: false` too.
 */
const { templates } = synthesizePlatform();
const root = join(import.meta.dirname, '..', '..');

type LambdaProperties = { FunctionName?: string; TracingConfig?: { Mode?: string }; Environment?: { Variables?: Record<string, unknown> } };

describe.each([
  ['primary', templates.primaryApi],
  ['secondary', templates.secondaryApi],
])('functions of the %s API stack', (_region, template) => {
  const lambdas = Object.values(resourcesOf(template))
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map((resource) => resource.Properties as LambdaProperties);

  it('are all traced, every declared function among them', () => {
    const traced = lambdas.filter((properties) => properties.TracingConfig?.Mode === 'Active').map((properties) => properties.FunctionName);
    expect(traced.sort()).toEqual(functionKeys.map((key) => functionName(deployment.appName, key)).sort());
  });

  it('never let the tracer record a response or an error', () => {
    for (const properties of lambdas.filter((candidate) => candidate.TracingConfig?.Mode === 'Active')) {
      expect({ function: properties.FunctionName, captureResponse: properties.Environment?.Variables?.POWERTOOLS_TRACER_CAPTURE_RESPONSE }).toEqual({
        function: properties.FunctionName,
        captureResponse: 'false',
      });
      expect({ function: properties.FunctionName, captureError: properties.Environment?.Variables?.POWERTOOLS_TRACER_CAPTURE_ERROR }).toEqual({
        function: properties.FunctionName,
        captureError: 'false',
      });
    }
  });
});

describe('tracing middleware in the function code', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
    );
  const lambdaSources = sources(join(root, 'lambdas'));

  it('is applied only through the shared helper, which never captures responses', () => {
    const direct = lambdaSources
      .filter((file) => readFileSync(file, 'utf8').includes('@aws-lambda-powertools/tracer/middleware'))
      .map((file) => relative(root, file));
    expect(direct).toEqual(['lambdas/shared/powertools.ts']);
    const helper = readFileSync(join(root, 'lambdas/shared/powertools.ts'), 'utf8');
    expect(helper).toMatch(/captureLambdaHandler\(tracer, \{ captureResponse: false \}\)/);
    expect(helper.match(/captureLambdaHandler\(/g)).toHaveLength(1);
  });

  it('records no response or error through any other tracer call', () => {
    const offending = lambdaSources.filter((file) => /tracer\.(captureMethod|putMetadata|addResponseAsMetadata|addErrorAsMetadata)\b/.test(readFileSync(file, 'utf8')));
    expect(offending.map((file) => relative(root, file))).toEqual([]);
  });
});
