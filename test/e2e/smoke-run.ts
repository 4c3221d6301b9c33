import { type ChildProcess, spawn } from 'node:child_process';
import { repositoryRoot } from '../../local/runtime-process';

/**
 * One of bench/'s scripts run as `npm run bench:smoke` / `npm run drill:smoke` run it (tsx, from the
 * repository root) in a child process: its exit code, and everything it printed for a failure's message.
 * bench-smoke.test.ts and drill-smoke.test.ts each run one, so jest can run the two on different workers.
 */
const running = new Set<ChildProcess>();

/**
 * `deadlineMs`: a run still going then is stopped (with its process group) and answers what it printed so
 * far, so a drill that never ends fails its test naming where it was, rather than at jest's timeout with no
 * output. Keep it under the test's own timeout.
 */
export const runSmoke = (script: string, args: string[], options: { readonly deadlineMs?: number } = {}): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve) => {
    // A process group of its own: stopSmokeRuns() stops it with everything it started.
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline =
      options.deadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            output += `\n[${script} still running after ${options.deadlineMs} ms: stopped]\n`;
            try {
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
            } catch {
              // Already gone.
            }
          }, options.deadlineMs);
    child.on('exit', (code) => {
      if (deadline) clearTimeout(deadline);
      running.delete(child);
      resolve({ code, output });
    });
  });

/**
 * After a file's tests: a run still going (its test timed out) is stopped with its process group (the
 * runtime processes of the crash drills, the DynamoDB Locals, esbuild), so it does not go on taking the
 * machine from the files after it.
 */
export const stopSmokeRuns = (): void => {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
};
