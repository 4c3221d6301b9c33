import { rmSync } from 'node:fs';
import { type StartedRuntime, stopRuntimeProcess } from './global-setup';
import { assertNoLeaks } from './leak-scan';

/**
 * After the e2e suite: the leak scan over everything the runtime stored, logged and answered (issue 5),
 * then stop the runtime. On a leak the state dir is kept for inspection and `npm test` fails.
 */
export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __runtime?: StartedRuntime }).__runtime;
  if (!started) return;
  try {
    await assertNoLeaks({
      stateDir: started.stateDir,
      logFile: started.logFile,
      dynamoDbEndpoint: started.runtime.dynamoDbEndpoint,
      sfnEndpoint: started.runtime.sfnEndpoint,
    });
  } catch (error) {
    await stopRuntimeProcess(started);
    console.error(`The runtime's state is kept in ${started.stateDir}`);
    throw error;
  }
  await stopRuntimeProcess(started);
  rmSync(started.stateDir, { recursive: true, force: true });
}
