import { spawn } from 'node:child_process';
import { repositoryRoot } from '../../local/runtime-process';

/**
 * One of bench/'s scripts run as `npm run bench:smoke` / `npm run drill:smoke` run it (tsx, from the
 * repository root) in a child process: its exit code, and everything it printed for a failure's message.
 * bench-smoke.test.ts and drill-smoke.test.ts each run one, so jest can run the two on different workers.
 */
export const runSmoke = (script: string, args: string[]): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
