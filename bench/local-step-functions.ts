import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { StepFunctionsEngine } from '../local/step-functions';

/**
 * Throughput of the local Step Functions engine alone: executions of a ten-state machine (eight
 * no-op Lambda tasks, a Choice, a Succeed) with every history event persisted to the
 * engine's SQLite store (a file, as `npm start` keeps it). Run: `npx tsx bench/local-step-functions.ts --executions 400 --concurrency 32`.
 */
const { values } = parseArgs({
  options: {
    executions: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '32' },
  },
});
const total = Number(values.executions);
const concurrency = Number(values.concurrency);

const directory = mkdtempSync(join(tmpdir(), 'xborder-sfn-bench-'));
try {
  const engine = new StepFunctionsEngine({
    invoke: async (_arn, payload) => ({ ok: true, echo: (payload as { amount?: number }).amount }),
    store: join(directory, 'executions.sqlite'),
    stateMachines: {
      tenSteps: {
        definitionFile: 'bench/fixtures/ten-steps.asl.json',
        type: 'STANDARD',
        description: 'benchmark',
        substitutions: { NoopFunction: 'noop' },
      },
    },
  });
  const stateMachineArn = engine.stateMachineArn('tenSteps');
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const index = next++;
        const begin = performance.now();
        const { executionArn } = await engine.startExecution({ stateMachineArn, name: `bench-${index}`, input: JSON.stringify({ amount: index }) });
        const execution = await engine.waitForExecution(executionArn!);
        if (execution.status !== 'SUCCEEDED') throw new Error(`${executionArn} ${execution.status}`);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(0);
  const stats = engine.stats.tenSteps!;
  console.log(
    JSON.stringify(
      {
        executions: total,
        concurrency,
        seconds: Number(seconds.toFixed(2)),
        executionsPerSecond: Number((total / seconds).toFixed(1)),
        transitionsPerSecond: Number((stats.transitions / seconds).toFixed(0)),
        transitionsPerExecution: stats.transitions / total,
        latencyMs: { p50: Number(percentile(0.5)), p99: Number(percentile(0.99)) },
      },
      null,
      2,
    ),
  );
  await engine.stop();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
