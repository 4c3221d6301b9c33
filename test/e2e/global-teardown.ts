import { rmSync } from 'node:fs';
import { type StartedRuntime, stopRuntimeProcess } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __runtime?: StartedRuntime }).__runtime;
  if (!started) return;
  await stopRuntimeProcess(started);
  rmSync(started.stateDir, { recursive: true, force: true });
}
