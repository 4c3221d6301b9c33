import { IN_MEMORY, type StepFunctionsServer, StepFunctionsEngine, startStepFunctionsServer } from '../../local/step-functions';
import { type StateMachineKey, stateMachineArnEnvVar, stateMachineKeys, stateMachines } from '../../platform/state-machines';

type EngineOptions = ConstructorParameters<typeof StepFunctionsEngine>[0];

export interface TestSagas {
  readonly engine: StepFunctionsEngine;
  readonly server: StepFunctionsServer;
  stop(): Promise<void>;
}

/**
 * For handler tests that check only the API contract: the real local Step Functions engine and API, with
 * a one-state machine of the same type standing in for each workflow (the workflows run in
 * test/integration/sagas/). Points the handlers' SFN clients and state machine ARNs at it. A run answers at
 * once and changes nothing: the handlers answer with the object as they stored it.
 * `options` puts other fixtures in place of some machines, with the functions their tasks invoke, and names
 * where the engine publishes its AWS/States metrics.
 */
export const useAcceptingSagas = async (
  options: { readonly stateMachines?: EngineOptions['stateMachines']; readonly invoke?: EngineOptions['invoke']; readonly metrics?: EngineOptions['metrics'] } = {},
): Promise<TestSagas> => {
  const accept = (key: StateMachineKey) =>
    ({ definitionFile: 'test/fixtures/statemachines/accept.asl.json', type: stateMachines[key].type, description: 'Fixture', substitutions: {} }) as const;
  const engine = new StepFunctionsEngine({
    invoke: options.invoke ?? (async () => undefined),
    store: IN_MEMORY,
    stateMachines: { ...Object.fromEntries(stateMachineKeys.map((key) => [key, accept(key)])), ...options.stateMachines },
    timeScale: 0.001,
    ...(options.metrics ? { metrics: options.metrics } : {}),
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

/** The error the failing recovery's Charge step fails with (the redrivable fixture catches nothing). */
export class PaymentDeclinedError extends Error {
  override readonly name = 'PaymentDeclinedError';
}

/**
 * `useAcceptingSagas` with the saga recovery played by the redrivable fixture, whose Charge step fails while
 * `failing()` says so: a Standard execution that fails, for the operator routes to list, redrive or alarm on.
 */
export const useFailingRecoverySagas = (options: { readonly failing: () => boolean; readonly metrics?: EngineOptions['metrics'] }): Promise<TestSagas> =>
  useAcceptingSagas({
    invoke: async (functionArn, payload) => {
      if (functionArn.includes('charge') && options.failing()) throw new PaymentDeclinedError('the bank said no');
      return payload;
    },
    stateMachines: {
      sagaRecovery: {
        definitionFile: 'test/fixtures/statemachines/redrivable.asl.json',
        type: 'STANDARD',
        description: 'Fixture: fails in Charge while failing',
        substitutions: { RecordFunction: 'recordStep', ChargeFunction: 'chargeCard' },
      },
    },
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
