import { type StartedRuntime, repositoryRoot, startRuntimeProcess, stopRuntimeProcess } from '../../local/runtime-process';

/** Starts the runtime the e2e tests talk to (local/runtime-process.ts) and hands its URL and demo merchants to them. */
export { type StartedRuntime, repositoryRoot, startRuntimeProcess, stopRuntimeProcess };

/** The e2e runtime's authorizer cache (30 s as deployed, MERCHANT_AUTHORIZER_CACHE_SECONDS). */
export const E2E_AUTHORIZER_CACHE_SECONDS = 2;

export default async function globalSetup(): Promise<void> {
  // --verbose: the handlers log at INFO, so the leak scan (global-teardown.ts) reads everything they say.
  // The authorizer's answers are cached 2 s, not 30: revocation tests see the cache expire in test time.
  const started = await startRuntimeProcess({ extraArgs: ['--verbose', '--authorizer-cache-seconds', String(E2E_AUTHORIZER_CACHE_SECONDS)] });
  process.env.E2E_API_URL = started.apiUrl;
  process.env.E2E_STATE_DIR = started.stateDir;
  process.env.E2E_LOG_FILE = started.logFile;
  (globalThis as { __runtime?: StartedRuntime }).__runtime = started;
}
