import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Metafile, build } from 'esbuild';
import { ESBUILD_OPTIONS } from '../../lib/constructs/function-bundles';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functions } from '../../platform/functions';

/**
 * What each Lambda bundle contains (docs/supply-chain.md): each function is bundled the way
 * lib/constructs/platform-function.ts has esbuild bundle it (ESM, Node 24, module-first resolution), and
 * its metafile is checked. A bundle holds only modules reachable from its handler, so these checks are
 * about what the handler's imports pull in:
 * - only production dependencies (package-lock.json, never a dev-only package) and only lambdas/ and
 *   platform/ source (never local/, lib/, scripts/, test/);
 * - the Encryption SDK and the KMS client only in functions declared with KMS use;
 * - the idempotency utility only in functions granted the idempotency table (the POST endpoints);
 * - the Step Functions client only in functions declared to drive a state machine;
 * - the CloudWatch client only in functions declared to read metrics or alarms;
 * - the MCP SDK only in the MCP functions (`mcpServer`).
 * No CDK synth: esbuild alone takes a few seconds for every function.
 */
const root = join(import.meta.dirname, '..', '..');

interface LockEntry {
  readonly dev?: boolean;
  readonly devOptional?: boolean;
}
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const packageNameOf = (path: string): string | undefined => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/(?!.*node_modules\/))?/.exec(path.slice(path.lastIndexOf('node_modules/')));
  return match?.[1];
};
const productionPackages = new Set(
  Object.entries(lock.packages)
    .filter(([path, entry]) => path.includes('node_modules/') && !entry.dev && !entry.devOptional)
    .map(([path]) => packageNameOf(path) as string),
);

const bundles = new Map<FunctionKey, { packages: Set<string>; sources: string[]; bytes: number }>();

/** Modules that put code into an output (the metafile's `inputs` also lists modules tree-shaken to nothing). */
const contributors = (output: Metafile['outputs'][string]) =>
  Object.entries(output.inputs)
    .filter(([, contribution]) => contribution.bytesInOutput > 0)
    .map(([input]) => relative(root, join(root, input)));

beforeAll(async () => {
  // One build with every handler as an entry point: each gets its own bundle, shared modules are parsed once. A
  // handler two functions run (the MCP function of each operator role) is one bundle, as lib/ builds it.
  const entries = [...new Set(functionKeys.map((key) => functions[key].entry))];
  const result = await build({
    entryPoints: Object.fromEntries(entries.map((entry, index) => [`entry-${index}`, join(root, entry)])),
    absWorkingDir: root,
    outdir: join(root, 'cdk.out', 'bundle-check'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    external: ESBUILD_OPTIONS.external,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  for (const [outputPath, output] of Object.entries(result.metafile.outputs)) {
    const keys = functionKeys.filter((candidate) => output.entryPoint === relative(root, join(root, functions[candidate].entry)));
    if (!keys.length) continue;
    const inputs = contributors(output);
    const bundle = {
      packages: new Set(inputs.filter((input) => input.includes('node_modules/')).map((input) => packageNameOf(input) as string)),
      sources: inputs.filter((input) => !input.includes('node_modules/')),
      bytes: output.bytes,
    };
    for (const key of keys) bundles.set(key, bundle);
    expect(outputPath).toContain(`entry-${entries.indexOf(functions[keys[0] as FunctionKey].entry)}.`);
  }
}, 120_000);

const declared = (key: FunctionKey): FunctionDeclaration => functions[key];
const hasPackage = (key: FunctionKey, prefix: string) => [...(bundles.get(key)?.packages ?? [])].some((name) => name.startsWith(prefix));

it.each(functionKeys)('%s bundles only production dependencies and platform/lambdas source', (key) => {
  const bundle = bundles.get(key);
  expect(bundle).toBeDefined();
  expect([...(bundle?.packages ?? [])].filter((name) => !productionPackages.has(name))).toEqual([]);
  expect((bundle?.sources ?? []).filter((source) => !/^(lambdas|platform)\//.test(source))).toEqual([]);
  expect(bundle?.sources).toContain(declared(key).entry);
});

it.each(functionKeys)('%s holds the Encryption SDK and the KMS client only if declared with KMS use', (key) => {
  const usesKms = Boolean(declared(key).kms);
  expect({ key, encryptionSdk: hasPackage(key, '@aws-crypto/client-node'), kms: hasPackage(key, '@aws-sdk/client-kms') }).toEqual({ key, encryptionSdk: usesKms, kms: usesKms });
});

it.each(functionKeys)('%s holds the idempotency utility only if granted the idempotency table', (key) => {
  expect({ key, idempotency: hasPackage(key, '@aws-lambda-powertools/idempotency') }).toEqual({ key, idempotency: 'idempotency' in declared(key).tables });
});

it.each(functionKeys)('%s holds the Step Functions client only if it drives a state machine', (key) => {
  const drives = Object.keys(declared(key).stateMachines ?? {}).length > 0;
  expect({ key, sfn: hasPackage(key, '@aws-sdk/client-sfn') }).toEqual({ key, sfn: drives });
});

it.each(functionKeys)('%s holds the CloudWatch client only if it reads metrics or alarms', (key) => {
  expect({ key, cloudWatch: hasPackage(key, '@aws-sdk/client-cloudwatch') }).toEqual({ key, cloudWatch: Boolean(declared(key).readsMetrics || declared(key).readsAlarms) });
});

it.each(functionKeys)('%s holds the SQS client only if it declares a queue', (key) => {
  const queues = Object.keys(declared(key).queues ?? {}).length > 0;
  expect({ key, sqs: hasPackage(key, '@aws-sdk/client-sqs') }).toEqual({ key, sqs: queues });
});

it.each(functionKeys)('%s holds the MCP SDK only if it serves the MCP tools (decision 0045)', (key) => {
  expect({ key, mcp: hasPackage(key, '@modelcontextprotocol/sdk') }).toEqual({ key, mcp: Boolean(declared(key).mcpServer) });
});

it('keeps the read-only endpoints free of the command machinery', () => {
  for (const key of ['getPayment', 'listPayments', 'getBalance', 'listBalanceTransactions', 'listApiKeys'] as const) {
    expect({ key, sources: bundles.get(key)?.sources.filter((source) => /merchant-command-endpoint|shared\/audit|shared\/vault|shared\/card-holds/.test(source)) }).toEqual({ key, sources: [] });
  }
});

it('justifies every production dependency in docs/supply-chain.md', () => {
  const doc = readFileSync(join(root, 'docs', 'supply-chain.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Production dependencies'), doc.indexOf('## What each bundle contains'));
  const dependencies = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
  const documented = (name: string) => table.includes(`\`${name}\``) || table.includes(`\`${name.split('/')[0]}/*`) || table.includes(`/${name.split('/')[1]}\``);
  expect(dependencies.filter((name) => !documented(name))).toEqual([]);
});
