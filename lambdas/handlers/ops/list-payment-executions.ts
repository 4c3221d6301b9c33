import * as z from 'zod/mini';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentExecution } from '../../shared/http/operations-presenters';
import { presentList } from '../../shared/http/presenters';
import { paymentRepository } from '../../wiring/payments';
import { tracePaymentExecutions } from '../../use-cases/operations/trace-payment-executions';
import { workflowHistory } from '../../wiring/operations';

/**
 * Operator API: GET /v1/payments/{id}/executions (ops_viewer): the payment's workflow executions (payment,
 * capture window, recovery), oldest first, each with the path it took through its state machine, from
 * ListExecutions and GetExecutionHistory. `unavailable` names the state machines whose executions Step
 * Functions does not list (Express, in AWS: decision 0022).
 */
const history = workflowHistory();

export const handler = operatorQueryEndpoint({
  operation: 'opsListPaymentExecutions',
  query: z.strictObject({}),
  handle: async (request) => {
    const paymentId = request.pathParameters.id ?? '';
    const trace = await tracePaymentExecutions({ payments: paymentRepository(), history }, { paymentId });
    return {
      status: 200,
      body: {
        ...presentList(trace.executions.map(presentExecution), false, `/v1/payments/${paymentId}/executions`),
        truncated: trace.truncated,
        unavailable: trace.unavailable.map((entry) => ({ state_machine: entry.stateMachine, reason: entry.reason })),
      },
    };
  },
});
