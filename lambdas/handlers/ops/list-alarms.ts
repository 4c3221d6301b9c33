import * as z from 'zod/mini';
import { alarmNamePrefix, runbookSectionOf } from '../../../platform/alarms';
import { ALARM_STATES } from '../../ports/platform-alarms';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { listPlatformAlarms } from '../../use-cases/operations/platform-alarms';
import { platformAlarms } from '../../wiring/operations';

/**
 * Operator API: GET /v1/alarms?state= (ops_viewer): the region's alarms (platform/alarms.ts, decision 0050) as
 * CloudWatch reports them, firing first: each with its state (ALARM, INSUFFICIENT_DATA, OK), since when, CloudWatch's
 * reason, its description and its docs/runbooks.md section; and how many are in each state. `state` lists one state only.
 */
const alarms = platformAlarms();

const query = z.strictObject({
  state: z.optional(z.enum(ALARM_STATES, { error: `must be one of ${ALARM_STATES.join(', ')}` })),
});

export const handler = operatorQueryEndpoint({
  operation: 'opsListAlarms',
  query,
  handle: async (request) => {
    const report = await listPlatformAlarms({ alarms, namePrefix: alarmNamePrefix(), runbookOf: runbookSectionOf }, { state: request.query.state });
    return {
      status: 200,
      body: {
        object: 'alarm_report',
        counts: { alarm: report.counts.ALARM, insufficient_data: report.counts.INSUFFICIENT_DATA, ok: report.counts.OK },
        data: report.alarms.map((alarm) => ({
          object: 'alarm',
          name: alarm.name,
          kind: alarm.kind,
          state: alarm.state,
          since: alarm.since.toISOString(),
          reason: alarm.reason,
          description: alarm.description,
          runbook: alarm.runbook ? { document: 'docs/runbooks.md', section: alarm.runbook } : null,
        })),
      },
    };
  },
});
