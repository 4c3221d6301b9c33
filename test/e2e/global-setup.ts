import { type StartedRuntime, repositoryRoot, startRuntimeProcess, stopRuntimeProcess } from '../../local/runtime-process';

/** Starts the runtime the e2e tests talk to (local/runtime-process.ts) and hands its URL and demo merchants to them. */
export { type StartedRuntime, repositoryRoot, startRuntimeProcess, stopRuntimeProcess };

export default async function globalSetup(): Promise<void> {
  // --verbose: the handlers log at INFO, so the leak scan (global-teardown.ts) reads everything they say.
  const started = await startRuntimeProcess({ extraArgs: ['--verbose'] });
  process.env.E2E_API_URL = started.apiUrl;
  process.env.E2E_STATE_DIR = started.stateDir;
  process.env.E2E_LOG_FILE = started.logFile;
  (globalThis as { __runtime?: StartedRuntime }).__runtime = started;
}
