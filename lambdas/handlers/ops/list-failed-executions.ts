import * as z from 'zod/mini';
import { ENDED_STATUSES } from '../../ports/workflow-history';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentExecution } from '../../shared/http/operations-presenters';
import { presentList } from '../../shared/http/presenters';
import { limitSchema } from '../../shared/http/schemas';
import { REDRIVABLE_STATE_MACHINES, listFailedExecutions } from '../../use-cases/operations/failed-executions';
import { workflowHistory } from '../../wiring/operations';

/**
 * Operator API: GET /v1/executions?state_machine=&status=&limit= (ops_viewer): the Standard workflow
 * executions that failed, timed out or were aborted within the last 14 days (what RedriveExecution still
 * accepts), newest stop first, each with the path it took and the error it ended with. Part of the
 * console's attention queue (decision 0033); POST /v1/executions/redrive runs one again.
 */
const history = workflowHistory();

const query = z.strictObject({
  state_machine: z.optional(z.enum(REDRIVABLE_STATE_MACHINES, { error: `must be one of ${REDRIVABLE_STATE_MACHINES.join(', ')}` })),
  status: z.optional(z.enum(ENDED_STATUSES, { error: `must be one of ${ENDED_STATUSES.join(', ')}` })),
  limit: z._default(limitSchema, 20),
});

export const handler = operatorQueryEndpoint({
  operation: 'opsListFailedExecutions',
  query,
  handle: async (request) => {
    const listed = await listFailedExecutions(
      { history, now: () => new Date() },
      { stateMachine: request.query.state_machine, status: request.query.status, limit: request.query.limit },
    );
    const data = listed.executions.map((execution) => ({ ...presentExecution(execution), redrivable_until: execution.redrivableUntil }));
    return { status: 200, body: { ...presentList(data, listed.hasMore, '/v1/executions'), truncated: listed.truncated } };
  },
});
