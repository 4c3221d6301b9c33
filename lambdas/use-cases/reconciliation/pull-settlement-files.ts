import type { BankStatementSource } from '../../ports/bank-statement-source';
import type { ReconciliationRuns } from '../../ports/reconciliation-runs';
import type { PublishedFile, SettlementReportSource } from '../../ports/settlement-report-source';

/**
 * The scheduled pull (issue 16 item 3, decision 0028's "next slice"): list what the acquirers and the bank
 * published on the SFTP server and start one reconciliation run per file, named by it.
 * 1. Each channel's `/<channel>` directory and the bank's `/statements`; only files modified in the last
 *    `lookbackDays` (a file older than that was pulled when it was new, or is for an operator to start by hand),
 *    so a pull costs one listing and a few starts, not one start per file ever published.
 * 2. A start of a file already started does nothing (the execution's name is the file's: ReconciliationRuns).
 *    The run itself refuses a replayed, altered or truncated file with its reason (decisions 0018, 0032).
 * 3. Statements wait for the reports: a statement's credits are matched with the pay-ins the reports' runs
 *    record, so when this pull started a report's run, or any report's run is still going (a long one from
 *    before), no statement is started; the next pull starts them. A statement run ahead of its report would
 *    call the batch's credit `unknown_batch`.
 * 4. Says how old each channel's newest report is, and the bank's newest statement: the handler publishes the
 *    ages as metrics, and an alarm pages when a report is later than its schedule allows.
 * One listing failing (a channel's directory unreadable) does not stop the others: it is reported, and the pull
 * fails after doing what it could, so the schedule's retries and alarm see it.
 */
export interface PullDeps {
  readonly reports: SettlementReportSource;
  readonly statements: BankStatementSource;
  readonly runs: ReconciliationRuns;
  /** The channels whose reports are pulled (platform/channels.ts). */
  readonly channels: readonly string[];
  readonly now: () => Date;
  readonly lookbackDays: number;
}

export interface PullResult {
  readonly started: readonly { readonly source: string; readonly file: string }[];
  readonly alreadyStarted: number;
  /** Statements in the window not tried this pull, because a report's run was still going. */
  readonly statementsDeferred: number;
  /** Hours since the newest file of each source was published (`bank` for the statements); null when none is there. */
  readonly newestAgeHours: Readonly<Record<string, number | null>>;
  readonly failed: readonly { readonly source: string; readonly file?: string; readonly error: string }[];
}

export const pullSettlementFiles = async (deps: PullDeps): Promise<PullResult> => {
  const now = deps.now().getTime();
  const since = now - deps.lookbackDays * 86_400_000;
  const started: { source: string; file: string }[] = [];
  const failed: { source: string; file?: string; error: string }[] = [];
  const newestAgeHours: Record<string, number | null> = {};
  let alreadyStarted = 0;
  let statementsDeferred = 0;
  type Start = (file: string) => Promise<'started' | 'already_started' | 'deferred'>;
  const pull = async (source: string, list: () => Promise<readonly PublishedFile[]>, start: Start) => {
    let files: readonly PublishedFile[];
    try {
      files = await list();
    } catch (error) {
      failed.push({ source, error: (error as Error).name });
      return;
    }
    const newest = Math.max(...files.map((file) => file.modifiedAt.getTime()));
    newestAgeHours[source] = files.length ? Math.max(0, Math.round(((now - newest) / 3_600_000) * 100) / 100) : null;
    for (const file of files) {
      if (file.modifiedAt.getTime() < since) continue;
      try {
        const outcome = await start(file.name);
        if (outcome === 'started') started.push({ source, file: file.name });
        else if (outcome === 'already_started') alreadyStarted += 1;
        else statementsDeferred += 1;
      } catch (error) {
        failed.push({ source, file: file.name, error: (error as Error).name });
      }
    }
  };

  const outcome = (isNew: boolean) => (isNew ? 'started' : 'already_started') as 'started' | 'already_started';
  for (const channel of deps.channels) {
    await pull(channel, () => deps.reports.list(channel), async (file) => outcome(await deps.runs.startReportRun(channel, file)));
  }
  let reportsGoing: boolean | undefined;
  await pull('bank', () => deps.statements.list(), async (file) => {
    // A report started by this pull is not reconciled yet however quickly its run may end: its statement waits a pull.
    reportsGoing ??= started.length > 0 || (await deps.runs.reportRunsInProgress());
    return reportsGoing ? 'deferred' : outcome(await deps.runs.startStatementRun(file));
  });
  return { started, alreadyStarted, statementsDeferred, newestAgeHours, failed };
};
