/**
 * Errors of the Step Functions API, named exactly as AWS names them: the HTTP server sends the name
 * as `__type`, and `@aws-sdk/client-sfn` turns it into the exception class of the same name.
 */
export type StepFunctionsErrorCode =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'ExecutionNotRedrivable'
  | 'InvalidArn'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'StateMachineDoesNotExist'
  | 'StateMachineTypeNotSupported'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'ServiceUnavailable';

export class StepFunctionsError extends Error {
  constructor(
    readonly code: StepFunctionsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }

  /** 503 for a stopping engine, 400 for everything the caller got wrong. */
  get statusCode(): number {
    return this.code === 'ServiceUnavailable' ? 503 : 400;
  }
}

/** A state machine definition the local engine cannot run faithfully: refused at load, loudly. */
export class InvalidDefinitionError extends Error {
  override readonly name = 'InvalidDefinitionError';
}
