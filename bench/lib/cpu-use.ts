import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';

/**
 * Where the machine's processor time went during the measured window: the Node process that hosts the
 * local runtime and the harness (its main thread's event-loop utilization, and its CPU time on all of its
 * threads), DynamoDB Local's JVM, and the machine as a whole. What the figures say: a main thread near 1.0
 * is the single event loop every function, the workflow engine and the simulators share; a machine near 1.0
 * is out of cores. Read from /proc (Linux: CPU ticks at 100 a second) and Node's own counters; no figure
 * here is a target, they explain the throughput beside them.
 */
export interface CpuSnapshot {
  readonly atMs: number;
  readonly elu: EventLoopUtilization;
  readonly process: NodeJS.CpuUsage;
  /** The main thread's own CPU time (process.threadCpuUsage). */
  readonly mainThread: NodeJS.CpuUsage;
  /** utime + stime of the process, ticks; null when /proc cannot be read. */
  readonly dynamoDbLocalTicks: number | null;
  /** Busy and total ticks of all CPUs; null when /proc/stat cannot be read. */
  readonly machine: { readonly busy: number; readonly total: number } | null;
}

const TICKS_PER_SECOND = 100;

const processTicks = (pid: number): number | null => {
  try {
    // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
};

const machineTicks = (): CpuSnapshot['machine'] => {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((sum, tick) => sum + tick, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
};

export const cpuSnapshot = (dynamoDbLocalPid: number): CpuSnapshot => ({
  atMs: performance.now(),
  elu: performance.eventLoopUtilization(),
  process: process.cpuUsage(),
  mainThread: process.threadCpuUsage(),
  dynamoDbLocalTicks: processTicks(dynamoDbLocalPid),
  machine: machineTicks(),
});

export interface CpuUse {
  readonly cores: number;
  /** Share of the window the Node main thread's event loop was busy (0..1). */
  readonly node_main_thread_utilization: number;
  /** The main thread's CPU time over the window, in cores (at most 1): what the runtime's work costs, less its waiting for a core. */
  readonly node_main_thread_cores: number;
  /** Node process CPU time over the window, in cores (all its threads). */
  readonly node_process_cores: number;
  /** DynamoDB Local's JVM CPU time over the window, in cores; null without /proc. */
  readonly dynamodb_local_cores: number | null;
  /** Share of all cores busy over the window (every process of the machine); null without /proc. */
  readonly machine_busy_share: number | null;
}

export const cpuUse = (before: CpuSnapshot, after: CpuSnapshot): CpuUse => {
  const seconds = (after.atMs - before.atMs) / 1000;
  const elu = performance.eventLoopUtilization(after.elu, before.elu);
  const micros = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => to.user - from.user + (to.system - from.system);
  const processMicros = micros(before.process, after.process);
  const javaTicks = after.dynamoDbLocalTicks !== null && before.dynamoDbLocalTicks !== null ? after.dynamoDbLocalTicks - before.dynamoDbLocalTicks : null;
  const machine =
    after.machine && before.machine && after.machine.total > before.machine.total
      ? (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total)
      : null;
  return {
    cores: availableParallelism(),
    node_main_thread_utilization: elu.utilization,
    node_main_thread_cores: seconds > 0 ? micros(before.mainThread, after.mainThread) / 1e6 / seconds : 0,
    node_process_cores: seconds > 0 ? processMicros / 1e6 / seconds : 0,
    dynamodb_local_cores: javaTicks !== null && seconds > 0 ? javaTicks / TICKS_PER_SECOND / seconds : null,
    machine_busy_share: machine,
  };
};
