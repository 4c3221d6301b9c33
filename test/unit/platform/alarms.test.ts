import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alarmNamePrefix, declaredAlarmContext, platformAlarms, runbookSectionOf } from '../../../platform/alarms';
import { deployment } from '../../../platform/deployment';

/**
 * The alarm catalog (platform/alarms.ts, decision 0050): what lib/ deploys and the local CloudWatch evaluates.
 * Each alarm's runbook section exists, names are unique under the app's prefix, composites combine alarms
 * declared before them.
 */
const runbooks = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'runbooks.md'), 'utf8');
const headings = runbooks.split('\n').filter((line) => line.startsWith('#')).map((line) => line.replace(/^#+\s*/, ''));

describe.each([deployment.primaryRegion, deployment.secondaryRegion])('in %s', (region) => {
  const alarms = platformAlarms(declaredAlarmContext(region));

  it('names every alarm once, under the prefix DescribeAlarms and the IAM grant use', () => {
    const names = alarms.map((alarm) => alarm.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name.startsWith(alarmNamePrefix())).toBe(true);
  });

  it.each(platformAlarms(declaredAlarmContext(region)).map((alarm) => [alarm.name, alarm.runbook]))('%s points at a runbook section that exists ("%s")', (name, section) => {
    expect(headings.some((heading) => heading === section || heading.startsWith(`${section} (`))).toBe(true);
    expect(runbookSectionOf(name)).toBe(section);
  });

  it('builds each composite from alarms declared before it, which notify nobody themselves', () => {
    for (const [index, alarm] of alarms.entries()) {
      if (alarm.kind !== 'composite') continue;
      for (const id of alarm.allOf) {
        const part = alarms.slice(0, index).find((candidate) => candidate.id === id);
        expect(part).toMatchObject({ kind: 'metric', notifies: 'nobody' });
      }
    }
  });
});

it('knows no runbook for a name the platform does not declare', () => {
  expect(runbookSectionOf(`${deployment.appName}-NoSuchAlarm`)).toBeUndefined();
});
