import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts the local runtime exactly as a user does (`local/start.ts`, in memory unless told, on free
 * ports) in a child process: the e2e tests' runtime and the crash drill's (bench/drills/crash.ts). Everything
 * it prints is kept in `<stateDir>/runtime.log`.
 */
export const repositoryRoot = join(import.meta.dirname, '..');

export interface StartedRuntime {
  readonly child: ChildProcess;
  readonly stateDir: string;
  readonly apiUrl: string;
  readonly logFile: string;
  readonly runtime: {
    pid: number;
    apiUrl: string;
    operatorApiUrl: string;
    dynamoDbEndpoint: string;
    sfnEndpoint: string;
    pids: { dynamoDbLocal: number };
    cardChannels: { name: string; url: string; apiKey: string }[];
    webhookReceiverUrl: string;
  };
}

export const startRuntimeProcess = async (
  options: { stateDir?: string; inMemory?: boolean; extraArgs?: string[]; env?: Readonly<Record<string, string>>; startTimeoutMs?: number } = {},
): Promise<StartedRuntime> => {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'xborder-e2e-'));
  rmSync(join(stateDir, 'runtime.json'), { force: true });
  const logFile = join(stateDir, 'runtime.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'local/start.ts',
      ...(options.inMemory === false ? [] : ['--in-memory']),
      '--port',
      '0',
      '--dynamodb-port',
      '0',
      '--sfn-port',
      '0',
      '--ops-port',
      '0',
      '--webhook-receiver-port',
      '0',
      '--state-dir',
      stateDir,
      ...(options.extraArgs ?? []),
    ],
    { cwd: repositoryRoot, stdio: ['ignore', log, log], env: { ...process.env, ...options.env, PORT: '', DYNAMODB_PORT: '', SFN_PORT: '', OPS_PORT: '', WEBHOOK_RECEIVER_PORT: '' } },
  );
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  while (!existsSync(join(stateDir, 'runtime.json'))) {
    if (child.exitCode !== null) throw new Error(`local runtime exited (${child.exitCode}):\n${readFileSync(logFile, 'utf8')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`local runtime did not start in time:\n${readFileSync(logFile, 'utf8')}`);
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  const runtime = JSON.parse(readFileSync(join(stateDir, 'runtime.json'), 'utf8')) as StartedRuntime['runtime'];
  return { child, stateDir, apiUrl: runtime.apiUrl, logFile, runtime };
};

export const stopRuntimeProcess = async (started: StartedRuntime, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
  // A child that died by a signal has no exit code but a signal code: it has exited, and 'exit' will not come again.
  if (started.child.exitCode !== null || started.child.signalCode !== null) return started.child.exitCode;
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill(signal);
  return exited;
};


/** `<stateDir>/runtime.json` of `npm start -- --regions 2` (local/start.ts, local/regions.ts). */
export interface TwoRegionRuntimeFile {
  readonly pid: number;
  /** The front door. */
  readonly apiUrl: string;
  /** The primary first; each as its own runtime.json says, with its region and state directory. */
  readonly regions: readonly (StartedRuntime['runtime'] & { readonly region: string; readonly stateDir: string })[];
  readonly cardChannels: StartedRuntime['runtime']['cardChannels'];
}

/** `npm start -- --regions 2` in a child process (the two-region e2e test, the region-loss drill). */
export const startTwoRegionProcess = async (
  options: { stateDir?: string; inMemory?: boolean; extraArgs?: string[]; env?: Readonly<Record<string, string>> } = {},
): Promise<StartedRuntime & { readonly regions: TwoRegionRuntimeFile }> => {
  // Two runtimes start side by side: on a loaded machine that takes longer than one.
  const started = await startRuntimeProcess({ ...options, extraArgs: ['--regions', '2', ...(options.extraArgs ?? [])], startTimeoutMs: 240_000 });
  return { ...started, regions: started.runtime as unknown as TwoRegionRuntimeFile };
};
