import { IN_MEMORY, type StepFunctionsServer, StepFunctionsEngine, startStepFunctionsServer } from '../../local/step-functions';
import { type StateMachineKey, stateMachineArnEnvVar, stateMachineKeys, stateMachines } from '../../platform/state-machines';

/**
 * For handler tests that check only the API contract: the real local Step Functions engine and API, with
 * a one-state machine of the same type standing in for each workflow (the workflows run in
 * test/integration/sagas/). Points the handlers' SFN clients and state machine ARNs at it. A run answers at
 * once and changes nothing: the handlers answer with the object as they stored it.
 */
export const useAcceptingSagas = async (): Promise<{ engine: StepFunctionsEngine; server: StepFunctionsServer; stop(): Promise<void> }> => {
  const accept = (key: StateMachineKey) =>
    ({ definitionFile: 'test/fixtures/statemachines/accept.asl.json', type: stateMachines[key].type, description: 'Fixture', substitutions: {} }) as const;
  const engine = new StepFunctionsEngine({
    invoke: async () => undefined,
    store: IN_MEMORY,
    stateMachines: Object.fromEntries(stateMachineKeys.map((key) => [key, accept(key)])),
    timeScale: 0.001,
  });
  const server = await startStepFunctionsServer({ engine, port: 0 });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: server.url,
    ...Object.fromEntries(stateMachineKeys.map((key) => [stateMachineArnEnvVar(key), engine.stateMachineArn(key)])),
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
