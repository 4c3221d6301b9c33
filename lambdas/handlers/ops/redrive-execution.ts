import * as z from 'zod/mini';
import { PLATFORM_AUDIT_SUBJECT } from '../../domain/audit';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { RequestError, problem } from '../../shared/http/problem';
import { stateMachineArnFromEnv } from '../../wiring/payments';
import { REDRIVABLE_STATE_MACHINES, redrivableStateMachineOf, redriveExecution } from '../../use-cases/operations/failed-executions';
import { workflowHistory } from '../../wiring/operations';

/**
 * Operator API: POST /v1/executions/redrive (ops_admin), body `{"execution_arn": "..."}`: runs a failed,
 * timed-out or aborted execution of one of this region's Standard state machines again from the state that
 * did not finish (Step Functions' RedriveExecution; the tasks are idempotent by construction, so a state
 * run again changes nothing twice). 422 naming `execution_arn` for any other ARN; 404 for an unknown
 * execution; 409 `execution_not_redrivable` when Step Functions refuses (running again already, or stopped
 * more than 14 days ago). Audited as `workflow_execution.redrive` in the platform's chain (`mer_platform`).
 */
const history = workflowHistory();

const body = z.strictObject(
  { execution_arn: z.string({ error: 'must be a string: the ARN of a failed Standard execution' }).check(z.maxLength(400, { error: 'must be at most 400 characters' })) },
  { error: 'must be a JSON object: {"execution_arn": "..."}' },
);

export const handler = operatorCommandEndpoint({
  operation: 'opsRedriveExecution',
  audit: { action: 'workflow_execution.redrive' },
  body,
  handle: async (request) => {
    const executionArn = request.body.execution_arn;
    const stateMachine = redrivableStateMachineOf(executionArn, stateMachineArnFromEnv);
    if (!stateMachine) {
      throw new RequestError(
        problem(422, 'validation_error', 'The request has invalid parameters.', {
          errors: [{ field: 'execution_arn', message: `must be the ARN of an execution of one of this region's Standard state machines (${REDRIVABLE_STATE_MACHINES.join(', ')})` }],
        }),
      );
    }
    const redriven = await redriveExecution({ history }, { executionArn });
    const target = { type: 'workflow_execution', id: executionArn };
    const answer = { object: 'workflow_execution_redrive' as const, execution_arn: executionArn, state_machine: stateMachine, status: 'RUNNING', redrive_date: redriven.redriveDate };
    return {
      status: 200,
      body: answer,
      change: { merchantId: PLATFORM_AUDIT_SUBJECT, target, before: { state_machine: stateMachine, error: redriven.error, failed_state: redriven.failedState }, after: answer },
    };
  },
});
