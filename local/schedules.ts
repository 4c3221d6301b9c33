import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { deployment } from '../platform/deployment';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functionName, functions } from '../platform/functions';

/**
 * The local stand-in for EventBridge schedules: while the runtime runs, every scheduled function
 * (`invokedBy: 'schedule'`, platform/functions.ts) is invoked with the event an EventBridge scheduled rule
 * sends, every `intervalMs` (30 s by default, much shorter than in AWS so that local work finishes while
 * someone watches). One run of a function at a time, like its reserved concurrency of 1; `stop` clears the
 * timers and waits for runs in flight.
 */
export const DEFAULT_LOCAL_SCHEDULE_INTERVAL_MS = 30_000;

/**
 * The functions a region's schedules invoke: every scheduled function, but a `primaryRegionOnly` one only in the
 * primary, and none whose work a module of local/ does instead (`localStandIn`).
 */
export const scheduledFunctionKeys = (region: string = deployment.primaryRegion): FunctionKey[] =>
  functionKeys.filter((key) => {
    const declaration = functions[key] as FunctionDeclaration;
    return (
      declaration.invokedBy === 'schedule' &&
      declaration.schedule?.localStandIn === undefined &&
      (declaration.schedule?.primaryRegionOnly !== true || region === deployment.primaryRegion)
    );
  });

/** The event an EventBridge scheduled rule sends (aws-lambda `ScheduledEvent`). */
export const scheduledEvent = (key: FunctionKey, now: Date, region: string = deployment.primaryRegion): ScheduledEvent => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region,
  resources: [`arn:aws:events:${region}:000000000000:rule/${functionName(deployment.appName, key)}`],
  detail: {},
});

export interface LocalSchedules {
  /** Invoke every scheduled function once now (each waits for its run in flight, if any). */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export const startLocalSchedules = (options: {
  readonly invoke: (key: FunctionKey, event: ScheduledEvent) => Promise<unknown>;
  readonly intervalMs: number;
  readonly onError: (key: FunctionKey, error: unknown) => void;
  readonly keys?: readonly FunctionKey[];
}): LocalSchedules => {
  const keys = options.keys ?? scheduledFunctionKeys();
  const running = new Map<FunctionKey, Promise<void>>();
  let stopped = false;
  const run = (key: FunctionKey): Promise<void> => {
    const inFlight = running.get(key);
    if (inFlight) return inFlight;
    const current = options
      .invoke(key, scheduledEvent(key, new Date()))
      .then(() => undefined, (error: unknown) => options.onError(key, error))
      .finally(() => running.delete(key));
    running.set(key, current);
    return current;
  };
  const timers = options.intervalMs > 0
    ? keys.map((key) => {
        const timer = setInterval(() => {
          if (!stopped) void run(key);
        }, options.intervalMs);
        // The schedule alone never keeps the process alive.
        timer.unref();
        return timer;
      })
    : [];
  return {
    runNow: async () => {
      await Promise.all(keys.map((key) => run(key)));
    },
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.all([...running.values()]);
    },
  };
};
