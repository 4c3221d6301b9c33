import { StepFunctionsPayoutWorkflow, StepFunctionsTaskCompletion } from '../adapters/sfn/step-functions-tasks';
import { stateMachineArnEnvVar } from '../../platform/state-machines';
import type { PayoutWorkflow, TaskCompletion } from '../ports/task-completion';
import { sfnClient } from './clients';
import { ConfigurationError } from './config';

/** Step Functions ports of this function instance, built once (the function's declaration grants the actions). */
let completion: TaskCompletion | undefined;
let workflow: PayoutWorkflow | undefined;

export const taskCompletion = (): TaskCompletion => {
  completion ??= new StepFunctionsTaskCompletion(sfnClient());
  return completion;
};

/** The payout saga, from PAYOUT_STATE_MACHINE_ARN (lib/ sets it in AWS, local/runtime.ts locally). */
export const payoutWorkflow = (): PayoutWorkflow => {
  if (!workflow) {
    const variable = stateMachineArnEnvVar('payout');
    const arn = process.env[variable];
    if (!arn) throw new ConfigurationError(`Invalid environment: ${variable} is not set`);
    workflow = new StepFunctionsPayoutWorkflow(sfnClient(), arn);
  }
  return workflow;
};
