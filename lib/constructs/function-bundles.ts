import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { type BuildOptions, buildSync } from 'esbuild';
import { functionKeys, functions } from '../../platform/functions';

/**
 * The code of every declared function: what NodejsFunction's own bundling runs (`esbuild --bundle <entry>`
 * with these options, as an asset hashed by its output), but one esbuild build for all the declared
 * handlers instead of one `npx esbuild` process per function. esbuild bundles each entry point of a build
 * on its own (no code splitting), so each output is the file a build of that entry alone writes; the
 * modules the handlers share (the AWS SDK, Powertools, the domain) are parsed once instead of 77 times, and
 * no npm process starts per function. A synthesis spent most of its time there on a 2-core machine.
 *
 * The build writes each bundle in a directory of the assembly's asset directory, the depth at which CDK
 * stages bundled output (`<outdir>/bundling-temp-*`), so the source maps' relative paths are those of a
 * bundle built in place; staging moves the two files into CDK's directory.
 */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // Native add-ons stay out: ssh2 loads its optional ones (sshcrypto, cpu-features) in a try and runs on
  // Node's own crypto without them, which is what a bundle for Lambda gets.
  external: ['*.node'],
  // CommonJS packages in an ESM bundle: `require` for Node's built-ins, and `__dirname` (ssh2 reads it when loaded).
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url); const __dirname = import.meta.dirname;" },
} as const satisfies BuildOptions;

const OUTPUT_FILES = ['index.mjs', 'index.mjs.map'];

/** Per assembly asset directory: entry (relative to the root) → the directory its built bundle waits in. */
const built = new Map<string, Map<string, string>>();

const buildAll = (root: string, assetOutdir: string): Map<string, string> => {
  const entries = [...new Set(functionKeys.map((key) => functions[key].entry))];
  const prefix = `bundling-xborder-${process.pid}-${Date.now().toString(36)}`;
  const waiting = new Map(entries.map((entry, index) => [entry, join(assetOutdir, `${prefix}-${index}`)]));
  mkdirSync(assetOutdir, { recursive: true });
  buildSync({
    ...ESBUILD_OPTIONS,
    absWorkingDir: root,
    entryPoints: entries.map((entry) => ({ in: join(root, entry), out: `${relative(assetOutdir, waiting.get(entry) as string)}/index` })),
    outdir: assetOutdir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  // Bundles no staging took (a stack left out of bundling) do not stay in the assembly.
  process.once('exit', () => {
    for (const dir of waiting.values()) rmSync(dir, { recursive: true, force: true });
  });
  return waiting;
};

/** The asset of one declared handler (`entry` relative to `root`), bundled with every other on first use. */
export const functionCode = (root: string, entry: string): Code =>
  Code.fromAsset(root, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Only when local bundling cannot run, which it always can (esbuild is a dependency): no image is pulled.
      image: DockerImage.fromRegistry('dummy'),
      // What the bundle is: makes each function's staging (and CDK's cache of it) its own.
      command: ['esbuild', entry, JSON.stringify(ESBUILD_OPTIONS)],
      local: {
        tryBundle: (outputDir) => {
          const assetOutdir = dirname(resolve(outputDir));
          let waiting = built.get(assetOutdir);
          if (!waiting?.has(entry) || !existsSync(waiting.get(entry) as string)) {
            waiting = buildAll(root, assetOutdir);
            built.set(assetOutdir, waiting);
          }
          const dir = waiting.get(entry);
          if (!dir) throw new Error(`${entry} is not the entry of a declared function`);
          for (const file of OUTPUT_FILES) renameSync(join(dir, file), join(outputDir, file));
          if (readdirSync(dir).length) throw new Error(`unexpected files in the bundle of ${entry}: ${readdirSync(dir).join(', ')}`);
          rmSync(dir, { recursive: true, force: true });
          return true;
        },
      },
    },
  });
