/**
 * Starting reconciliation runs (Standard workflows, decisions 0018 and 0032): one execution per published
 * file, named by it, so a file pulled again starts nothing and ops find a file's run by its name.
 */
export interface ReconciliationRuns {
  /** Start the settlement reconciliation of an acquirer's report; `false` when a run of this file was already started. */
  startReportRun(channel: string, file: string): Promise<boolean>;
  /** Start the reconciliation of a bank statement; `false` when a run of this file was already started. */
  startStatementRun(file: string): Promise<boolean>;
  /** Whether any settlement report's run is still going (a statement is matched against what they record). */
  reportRunsInProgress(): Promise<boolean>;
}

/** The execution that reconciles an acquirer's report file (Step Functions names: at most 80 characters). */
export const reportRunName = (channel: string, file: string): string => `${channel}-${file.replace(/\.csv$/, '')}`.slice(0, 80);

/** The execution that reconciles a bank statement file. */
export const statementRunName = (file: string): string => `bank-${file.replace(/\.xml$/, '')}`.slice(0, 80);
