import { IN_MEMORY, type StepFunctionsServer, StepFunctionsEngine, startStepFunctionsServer } from '../../local/step-functions';
import { type StateMachineKey, stateMachineArnEnvVar, stateMachineKeys, stateMachines } from '../../platform/state-machines';

/** The error the fixture's Charge step fails with (the redrivable fixture catches nothing). */
export class PaymentDeclinedError extends Error {
  override readonly name = 'PaymentDeclinedError';
}

const accept = (key: StateMachineKey) =>
  ({ definitionFile: 'test/fixtures/statemachines/accept.asl.json', type: stateMachines[key].type, description: 'Fixture', substitutions: {} }) as const;

export interface FailingRecoveryEngine {
  readonly engine: StepFunctionsEngine;
  readonly server: StepFunctionsServer;
  stop(): Promise<void>;
}

/**
 * A local Step Functions engine for the operator routes' tests: every state machine accepts its input at once,
 * except the saga recovery, played by the redrivable fixture whose Charge step fails while `failing()` says so
 * (a Standard execution that fails, to list, redrive or alarm on). Served on 127.0.0.1, and named in the
 * environment as the functions read it (AWS_ENDPOINT_URL_SFN, each machine's ARN variable).
 */
export const startFailingRecoveryEngine = async (options: {
  readonly failing: () => boolean;
  /** Where the engine publishes its AWS/States metrics (the local CloudWatch's store), if anywhere. */
  readonly metrics?: ConstructorParameters<typeof StepFunctionsEngine>[0]['metrics'];
}): Promise<FailingRecoveryEngine> => {
  const engine = new StepFunctionsEngine({
    invoke: async (functionArn, payload) => {
      if (functionArn.includes('charge') && options.failing()) throw new PaymentDeclinedError('the bank said no');
      return payload;
    },
    store: IN_MEMORY,
    stateMachines: {
      ...Object.fromEntries(stateMachineKeys.map((key) => [key, accept(key)])),
      sagaRecovery: {
        definitionFile: 'test/fixtures/statemachines/redrivable.asl.json',
        type: 'STANDARD',
        description: 'Fixture: fails in Charge while failing',
        substitutions: { RecordFunction: 'recordStep', ChargeFunction: 'chargeCard' },
      },
    },
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
