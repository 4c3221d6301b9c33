import { IN_MEMORY, type StepFunctionsServer, StepFunctionsEngine, startStepFunctionsServer } from '../../local/step-functions';
import { stateMachineArnEnvVar, stateMachineKeys } from '../../platform/state-machines';

/**
 * For handler tests that check only the API contract: the real local Step Functions engine and API, with
 * a one-state machine standing in for each saga (the sagas run in test/integration/sagas/). Points the
 * handlers' SFN client and state machine ARNs at it, and answers without waiting for saga progress.
 */
export const useAcceptingSagas = async (): Promise<{ engine: StepFunctionsEngine; server: StepFunctionsServer; stop(): Promise<void> }> => {
  const accept = { definitionFile: 'test/fixtures/statemachines/accept.asl.json', type: 'STANDARD', description: 'Fixture', substitutions: {} } as const;
  const engine = new StepFunctionsEngine({
    invoke: async () => undefined,
    store: IN_MEMORY,
    stateMachines: Object.fromEntries(stateMachineKeys.map((key) => [key, accept])),
    timeScale: 0.001,
  });
  const server = await startStepFunctionsServer({ engine, port: 0 });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: server.url,
    ...Object.fromEntries(stateMachineKeys.map((key) => [stateMachineArnEnvVar(key), engine.stateMachineArn(key)])),
    PROGRESS_BUDGET_MS: '0',
  });
  return {
    engine,
    server,
    stop: async () => {
      await server.stop();
      await engine.stop();
    },
  };
};
