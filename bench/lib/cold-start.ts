import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ESBUILD_OPTIONS } from '../../lib/constructs/function-bundles';
import { type FunctionKey, functionKeys, functions } from '../../platform/functions';

/**
 * Cold starts, measured in the benchmark's run: each declared function is bundled the way
 * lib/constructs/platform-function.ts has CDK's esbuild bundle it (ESM, node24, module-first resolution,
 * minified, source map without sources, the createRequire banner, every dependency bundled), and a bare
 * handler is bundled the same way. Each bundle is then loaded in a fresh Node process with
 * `--enable-source-maps` (as the functions run in AWS) and invoked once with a real event the function
 * received during the run (replayed: every handler is idempotent by construction; POST /v1/payments gets a
 * fresh Idempotency-Key so its first invocation does the full work: KMS, vault, and its payment's workflow run,
 * which it waits for), against the running local platform. Functions the run never invoked are loaded only.
 *
 * Reported per function (median of `runs`): bundle bytes, `init_ms` (process start to module loaded, as
 * Lambda's Init Duration counts it: runtime boot plus module load and everything the module builds at its
 * top level), `import_ms` (module load alone), `first_invocation_ms`, and ratios to the bare handler.
 */

export interface ColdStartMeasure {
  readonly bundle_bytes: number;
  readonly source_map_bytes: number;
  readonly init_ms: number;
  readonly import_ms: number;
  readonly first_invocation_ms: number | null;
  /** init + first invocation. */
  readonly cold_start_ms: number;
  readonly invocation: 'replayed event' | 'fresh payment' | 'not invoked by the run (load only)' | 'empty event (bare handler)';
  /** What the first invocation ended with: `HTTP <status>` for API handlers, ok, or the error's name. */
  readonly outcome: string | null;
  readonly ratio_bundle_bytes: number;
  readonly ratio_import: number;
  readonly ratio_init: number;
  readonly ratio_cold_start: number;
}

export interface ColdStartReport {
  /** Fresh processes per function the run invoked (median taken); functions it did not invoke get one. */
  readonly runs: number;
  readonly node: string;
  readonly bare: Omit<ColdStartMeasure, `ratio_${string}`>;
  readonly functions: Record<string, ColdStartMeasure>;
  readonly bundling: string;
}

const MEASURE_SCRIPT = `
import { pathToFileURL } from 'node:url';
import { writeFileSync } from 'node:fs';
const [bundle, resultFile, invoke] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const importStarted = performance.now();
const module = await import(pathToFileURL(bundle).href);
const ready = performance.now();
const result = { init_ms: ready, import_ms: ready - importStarted, first_invocation_ms: null, outcome: null };
if (invoke === 'yes') {
  const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const deadline = Date.now() + 30000;
  const context = { callbackWaitsForEmptyEventLoop: true, functionName: 'cold-start', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:cold-start', memoryLimitInMB: '256', awsRequestId: crypto.randomUUID(), logGroupName: '/aws/lambda/cold-start', logStreamName: 'cold-start', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), done() {}, fail() {}, succeed() {} };
  const started = performance.now();
  try { const answer = await module.handler(event, context); result.outcome = answer && typeof answer.statusCode === 'number' ? 'HTTP ' + answer.statusCode : 'ok'; } catch (error) { result.outcome = (error && error.name) || 'error'; }
  result.first_invocation_ms = performance.now() - started;
}
writeFileSync(resultFile, JSON.stringify(result));
process.exit(0);
`;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

interface Sample {
  init_ms: number;
  import_ms: number;
  first_invocation_ms: number | null;
  outcome: string | null;
}

const measureOnce = (directory: string, bundle: string, event: unknown, environment: NodeJS.ProcessEnv): Promise<Sample> =>
  new Promise((resolve, reject) => {
    const resultFile = join(directory, `result-${process.hrtime.bigint()}.json`);
    const child = spawn(process.execPath, [join(directory, 'measure.mjs'), bundle, resultFile, event === undefined ? 'no' : 'yes'], {
      env: environment,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', reject);
    child.on('exit', () => {
      try {
        const sample = JSON.parse(readFileSync(resultFile, 'utf8')) as Sample;
        rmSync(resultFile, { force: true });
        resolve(sample);
      } catch (error) {
        reject(new Error(`cold-start measurement of ${bundle} wrote no result: ${String(error)}`));
      }
    });
    child.stdin.end(event === undefined ? '' : JSON.stringify(event));
  });

/** The event a function first received in the run, ready to be replayed (a fresh Idempotency-Key for new payments). */
const replayable = (key: FunctionKey, event: unknown): { event: unknown; invocation: ColdStartMeasure['invocation'] } => {
  if (key !== 'createPayment') return { event, invocation: 'replayed event' };
  const copy = structuredClone(event) as { headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]> };
  const fresh = `cold-start-${Date.now()}-${Math.random()}`;
  for (const name of Object.keys(copy.headers ?? {})) if (name.toLowerCase() === 'idempotency-key') (copy.headers as Record<string, string>)[name] = fresh;
  for (const name of Object.keys(copy.multiValueHeaders ?? {})) if (name.toLowerCase() === 'idempotency-key') (copy.multiValueHeaders as Record<string, string[]>)[name] = [fresh];
  return { event: copy, invocation: 'fresh payment' };
};

export const measureColdStarts = async (options: {
  readonly repositoryRoot: string;
  /** The first event each function received during the run. */
  readonly events: ReadonlyMap<FunctionKey, unknown>;
  /** Environment of the running platform (endpoints, table names, keys). */
  readonly environment: NodeJS.ProcessEnv;
  readonly runs: number;
  readonly only?: readonly FunctionKey[];
}): Promise<ColdStartReport> => {
  const directory = mkdtempSync(join(tmpdir(), 'xborder-cold-start-'));
  try {
    writeFileSync(join(directory, 'measure.mjs'), MEASURE_SCRIPT);
    writeFileSync(join(directory, 'bare-handler.ts'), "export const handler = async () => ({ statusCode: 200, body: '{}' });\n");
    const keys = options.only ?? functionKeys;
    await build({
      entryPoints: { ...Object.fromEntries(keys.map((key) => [key, join(options.repositoryRoot, functions[key].entry)])), __bare: join(directory, 'bare-handler.ts') },
      absWorkingDir: options.repositoryRoot,
      outdir: join(directory, 'bundles'),
      outExtension: { '.js': '.mjs' },
      // Exactly the functions' bundling for Lambda (lib/constructs/function-bundles.ts).
      ...ESBUILD_OPTIONS,
      logLevel: 'silent',
    });
    const environment: NodeJS.ProcessEnv = { ...options.environment, NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_LOG_LEVEL: 'INFO' };
    // A fresh function's init as in AWS: the X-Ray SDK in its default (automatic) mode, whatever the
    // shared local process chose for itself (local/tracing-off.ts).
    delete environment.AWS_XRAY_MANUAL_MODE;
    // Functions on the run's path get `runs` fresh processes each; functions it never invoked, one.
    const measure = async (name: string, event: unknown) => {
      const bundle = join(directory, 'bundles', `${name}.mjs`);
      const samples: Sample[] = [];
      for (let run = 0; run < (event === undefined ? 1 : options.runs); run += 1) samples.push(await measureOnce(directory, bundle, event, environment));
      const invoked = samples.filter((sample) => sample.first_invocation_ms !== null);
      const init = median(samples.map((sample) => sample.init_ms));
      const first = invoked.length ? median(invoked.map((sample) => sample.first_invocation_ms as number)) : null;
      return {
        bundle_bytes: statSync(bundle).size,
        source_map_bytes: statSync(`${bundle}.map`).size,
        init_ms: init,
        import_ms: median(samples.map((sample) => sample.import_ms)),
        first_invocation_ms: first,
        cold_start_ms: init + (first ?? 0),
        outcome: samples.at(-1)?.outcome ?? null,
      };
    };
    const bareMeasured = await measure('__bare', {});
    const bare = { ...bareMeasured, invocation: 'empty event (bare handler)' as const };
    const results: Record<string, ColdStartMeasure> = {};
    for (const key of keys) {
      const captured = options.events.get(key);
      const replay = captured === undefined ? undefined : replayable(key, captured);
      const measured = await measure(key, replay?.event);
      results[key] = {
        ...measured,
        invocation: replay?.invocation ?? 'not invoked by the run (load only)',
        ratio_bundle_bytes: measured.bundle_bytes / bare.bundle_bytes,
        ratio_import: measured.import_ms / bare.import_ms,
        ratio_init: measured.init_ms / bare.init_ms,
        // Load-only functions compare their init with the bare handler's init plus its (trivial) invocation.
        ratio_cold_start: measured.cold_start_ms / bare.cold_start_ms,
      };
    }
    return {
      runs: options.runs,
      node: process.version,
      bare,
      functions: results,
      bundling: 'esbuild, as lib/constructs/platform-function.ts: bundle, ESM, platform node, target node24, mainFields module,main, minify, sourcemap (no sources content), createRequire and __dirname banner, native add-ons (*.node) external',
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
};
