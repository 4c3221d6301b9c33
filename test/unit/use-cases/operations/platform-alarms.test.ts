import type { AlarmStatus, PlatformAlarms } from '../../../../lambdas/ports/platform-alarms';
import { listPlatformAlarms } from '../../../../lambdas/use-cases/operations/platform-alarms';

/** The alarms report (decision 0050): what needs eyes first, each with its runbook section, counted by state. */
const status = (name: string, state: AlarmStatus['state'], since: string): AlarmStatus => ({ name, kind: 'metric', state, since: new Date(since), reason: `${name} is ${state}`, description: name });

class ListedAlarms implements PlatformAlarms {
  readonly asked: { namePrefix: string; state?: string }[] = [];
  constructor(private readonly alarms: AlarmStatus[]) {}
  async list(query: { namePrefix: string; state?: AlarmStatus['state'] }): Promise<AlarmStatus[]> {
    this.asked.push(query);
    return this.alarms.filter((alarm) => alarm.name.startsWith(query.namePrefix) && (!query.state || alarm.state === query.state));
  }
}

it('lists firing alarms first (newest change first), then those without data, then OK, with runbooks and counts', async () => {
  // Prepare
  const alarms = new ListedAlarms([
    status('x-Ok', 'OK', '2026-12-07T10:00:00Z'),
    status('x-OldFire', 'ALARM', '2026-12-07T09:00:00Z'),
    status('x-Unknown', 'INSUFFICIENT_DATA', '2026-12-07T11:00:00Z'),
    status('x-NewFire', 'ALARM', '2026-12-07T10:30:00Z'),
  ]);
  const runbookOf = (name: string) => (name === 'x-Unknown' ? undefined : `section of ${name}`);

  // Act
  const report = await listPlatformAlarms({ alarms, namePrefix: 'x-', runbookOf }, {});

  // Assess
  expect(report.alarms.map((alarm) => [alarm.name, alarm.runbook])).toEqual([
    ['x-NewFire', 'section of x-NewFire'],
    ['x-OldFire', 'section of x-OldFire'],
    ['x-Unknown', undefined],
    ['x-Ok', 'section of x-Ok'],
  ]);
  expect(report.counts).toEqual({ ALARM: 2, INSUFFICIENT_DATA: 1, OK: 1 });
  expect(alarms.asked).toEqual([{ namePrefix: 'x-', state: undefined }]);
});

it('asks CloudWatch for one state only when filtered', async () => {
  const alarms = new ListedAlarms([status('x-Fire', 'ALARM', '2026-12-07T10:00:00Z'), status('x-Ok', 'OK', '2026-12-07T10:00:00Z')]);
  const report = await listPlatformAlarms({ alarms, namePrefix: 'x-', runbookOf: () => undefined }, { state: 'OK' });
  expect(report.alarms.map((alarm) => alarm.name)).toEqual(['x-Ok']);
  expect(report.counts).toEqual({ ALARM: 0, INSUFFICIENT_DATA: 0, OK: 1 });
  expect(alarms.asked).toEqual([{ namePrefix: 'x-', state: 'OK' }]);
});
