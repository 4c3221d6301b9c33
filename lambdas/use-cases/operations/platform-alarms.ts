import { ALARM_STATES, type AlarmStateValue, type AlarmStatus, type PlatformAlarms } from '../../ports/platform-alarms';

export interface AlarmReport {
  /** Firing first, then those without data, then OK; within a state the most recent change first. */
  readonly alarms: readonly (AlarmStatus & { readonly runbook: string | undefined })[];
  /** How many alarms are in each state (of those listed: with a state filter, only that state's). */
  readonly counts: Readonly<Record<AlarmStateValue, number>>;
}

/**
 * Operators and agents: the region's alarms and what to do about them (the operator API's GET /v1/alarms, the
 * MCP tool `summarize_alarms`, decision 0050).
 * 1. One listing of the platform's alarms (DescribeAlarms by the app's name prefix, metric and composite), of
 *    one state if asked.
 * 2. Each with its runbook section (platform/alarms.ts declares one per alarm).
 * 3. Ordered by what needs eyes first, with the count in each state.
 */
export const listPlatformAlarms = async (
  deps: { readonly alarms: PlatformAlarms; readonly namePrefix: string; readonly runbookOf: (name: string) => string | undefined },
  query: { readonly state?: AlarmStateValue },
): Promise<AlarmReport> => {
  const listed = await deps.alarms.list({ namePrefix: deps.namePrefix, state: query.state });
  const rank = (state: AlarmStateValue) => ALARM_STATES.indexOf(state);
  const alarms = listed
    .map((alarm) => ({ ...alarm, runbook: deps.runbookOf(alarm.name) }))
    .sort((a, b) => rank(a.state) - rank(b.state) || b.since.getTime() - a.since.getTime() || a.name.localeCompare(b.name));
  const counts = Object.fromEntries(ALARM_STATES.map((state) => [state, alarms.filter((alarm) => alarm.state === state).length])) as Record<AlarmStateValue, number>;
  return { alarms, counts };
};
