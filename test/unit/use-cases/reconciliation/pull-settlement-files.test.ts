import type { PublishedFile } from '../../../../lambdas/ports/settlement-report-source';
import { pullSettlementFiles } from '../../../../lambdas/use-cases/reconciliation/pull-settlement-files';

/**
 * The pull's decisions (the SFTP listing and the starts are exercised for real in
 * test/integration/reconciliation/settlement-pull.test.ts): which files it starts, what it says of each
 * source's newest file, and that one source failing does not stop the others.
 */
const now = new Date('2026-12-07T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
const file = (name: string, hours: number): PublishedFile => ({ name, modifiedAt: hoursAgo(hours) });

const pullWith = (published: Record<string, readonly PublishedFile[] | Error>, started = new Set<string>(), reportRunsGoing = false) => {
  const list = async (source: string) => {
    const files = published[source] ?? [];
    if (files instanceof Error) throw files;
    return files;
  };
  const start = async (key: string) => {
    if (started.has(key)) return false;
    started.add(key);
    return true;
  };
  return pullSettlementFiles({
    reports: { list, read: async () => Buffer.alloc(0) },
    statements: { list: () => list('bank'), read: async () => Buffer.alloc(0) },
    runs: { startReportRun: (channel, name) => start(`${channel}/${name}`), startStatementRun: (name) => start(`bank/${name}`), reportRunsInProgress: async () => reportRunsGoing },
    channels: ['atlas', 'boreal'],
    now: () => now,
    lookbackDays: 7,
  });
};

it('starts the files of the last week only, and reports the age of each source\'s newest file', async () => {
  const result = await pullWith({
    atlas: [file('a-1.csv', 30), file('a-2.csv', 6), file('a-old.csv', 8 * 24)],
    bank: [file('camt053-x.xml', 2.5)],
  });
  expect(result.started).toEqual([
    { source: 'atlas', file: 'a-1.csv' },
    { source: 'atlas', file: 'a-2.csv' },
  ]);
  // The statement waits for the next pull: this one started reports.
  expect(result.statementsDeferred).toBe(1);
  // boreal has published nothing: no age (the alarm sees no data rather than a made-up one).
  expect(result.newestAgeHours).toEqual({ atlas: 6, boreal: null, bank: 2.5 });
  expect(result.failed).toEqual([]);
});

it('counts files whose runs were already started, and starts nothing twice', async () => {
  const started = new Set(['atlas/a-1.csv']);
  const result = await pullWith({ atlas: [file('a-1.csv', 1), file('a-2.csv', 1)] }, started);
  expect(result.started).toEqual([{ source: 'atlas', file: 'a-2.csv' }]);
  expect(result.alreadyStarted).toBe(1);
});

it('goes on with the other sources when one listing fails, and says which failed', async () => {
  const refused = Object.assign(new Error('permission denied'), { name: 'SftpHostKeyMismatchError' });
  const result = await pullWith({ atlas: refused, boreal: [file('b-1.csv', 1)], bank: [] });
  expect(result.started).toEqual([{ source: 'boreal', file: 'b-1.csv' }]);
  expect(result.failed).toEqual([{ source: 'atlas', error: 'SftpHostKeyMismatchError' }]);
  expect(result.newestAgeHours).toEqual({ boreal: 1, bank: null });
});

it('starts no statement while a report\'s run is going: the next pull does', async () => {
  const started = new Set<string>();
  const published = { atlas: [file('a-1.csv', 1)], bank: [file('camt053-x.xml', 1)] };
  const first = await pullWith(published, started, true);
  expect(first.started).toEqual([{ source: 'atlas', file: 'a-1.csv' }]);
  expect(first.statementsDeferred).toBe(1);
  const second = await pullWith(published, started, false);
  expect(second.started).toEqual([{ source: 'bank', file: 'camt053-x.xml' }]);
  expect(second).toMatchObject({ alreadyStarted: 1, statementsDeferred: 0 });
});

it('starts no statement in the pull that started a report, even when its run already ended', async () => {
  const result = await pullWith({ atlas: [file('a-1.csv', 1)], bank: [file('camt053-x.xml', 1)] }, new Set(), false);
  expect(result.started).toEqual([{ source: 'atlas', file: 'a-1.csv' }]);
  expect(result.statementsDeferred).toBe(1);
});
