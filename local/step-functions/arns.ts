import { StepFunctionsError } from './errors';

/** ARNs and names, formed and checked the way Step Functions does. */
export const LOCAL_ACCOUNT = '000000000000';

export interface StateMachineArnParts {
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

export interface ExecutionArnParts extends StateMachineArnParts {
  readonly executionName: string;
  readonly express: boolean;
}

const STATE_MACHINE_ARN = /^arn:aws:states:([a-z0-9-]+):(\d{12}):stateMachine:([^:]+)$/;
const EXECUTION_ARN = /^arn:aws:states:([a-z0-9-]+):(\d{12}):(execution|express):([^:]+):([^:]+)(?::[^:]+)?$/;

export const parseStateMachineArn = (arn: string): StateMachineArnParts => {
  const match = STATE_MACHINE_ARN.exec(arn);
  if (!match) throw new StepFunctionsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
  return { region: match[1] as string, account: match[2] as string, name: match[3] as string };
};

export const parseExecutionArn = (arn: string): ExecutionArnParts => {
  const match = EXECUTION_ARN.exec(arn);
  if (!match) throw new StepFunctionsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
  return {
    region: match[1] as string,
    account: match[2] as string,
    express: match[3] === 'express',
    name: match[4] as string,
    executionName: match[5] as string,
  };
};

/**
 * Standard executions are named by their name (unique per state machine); Express executions add a
 * unique suffix, because Express names need not be unique.
 */
export const executionArnFor = (stateMachine: StateMachineArnParts, name: string, express: boolean, suffix: string): string =>
  express
    ? `arn:aws:states:${stateMachine.region}:${stateMachine.account}:express:${stateMachine.name}:${name}:${suffix}`
    : `arn:aws:states:${stateMachine.region}:${stateMachine.account}:execution:${stateMachine.name}:${name}`;

// AWS: 1-80 characters; no whitespace, brackets, wildcards, the listed punctuation or control characters.
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export const assertValidExecutionName = (name: string): void => {
  if (name.length < 1 || name.length > 80) {
    throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}' (must be 1 to 80 characters)`);
  }
  if (FORBIDDEN_NAME_CHARACTERS.test(name)) {
    throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
  }
};
