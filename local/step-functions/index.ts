/** Step Functions on one machine: see docs/local-step-functions.md. */
export { LOCAL_ACCOUNT } from './arns';
export type { CompiledStateMachine } from './definition';
export { StepFunctionsEngine, type StateMachineStats, type StepFunctionsEngineOptions } from './engine';
export { InvalidDefinitionError, StepFunctionsError } from './errors';
export { IN_MEMORY } from './store';
export { type StepFunctionsServer, type StepFunctionsServerOptions, startStepFunctionsServer } from './server';
export type { InvokeFunction } from './task-states';
export { FunctionNotFoundError, declaredFunctionInvoker } from './lambda-invoker';
