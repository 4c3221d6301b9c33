/**
 * Whether a benchmark run may be reported as figures: a run in which a merchant got an unexpected answer
 * or a 5xx, a saga, settlement or webhook never finished, the ledger does not balance, or the attribution
 * missed invocations measured something broken. Its report is still written (to investigate); the command
 * exits 1 unless `--lenient`.
 */
export interface RunHealth {
  /** Runs of the window (and of the warm-up) that did not behave as their mix entry expects. */
  readonly anomalies: number;
  readonly warmUpAnomalies: number;
  /** 5xx answered to merchant requests (acquirer webhooks answered 503 are retries, not errors). */
  readonly serverErrors: number;
  readonly warmUpServerErrors: number;
  /** Every saga ended (or is parked in a payout's return window), every settlement and webhook done. */
  readonly settled: boolean;
  readonly warmUpSettled: boolean;
  /** Differences the ledger verifier found after the window. */
  readonly ledgerDifferences: number;
  /** Invocations the host counted that the operation tracker did not see. */
  readonly untrackedInvocations: number;
  /** Events the events API lists that the bench's webhook endpoints never got with a 2xx, and webhooks whose signature did not verify. */
  readonly webhooksMissed?: number;
  readonly webhooksUnverified?: number;
}

/** What failed, in words (empty: the run passed). */
export const runFailures = (health: RunHealth): string[] => [
  ...(health.anomalies ? [`${health.anomalies} anomalies`] : []),
  ...(health.warmUpAnomalies ? [`${health.warmUpAnomalies} warm-up anomalies`] : []),
  ...(health.serverErrors + health.warmUpServerErrors ? [`${health.serverErrors + health.warmUpServerErrors} server errors to merchants`] : []),
  ...(!health.settled || !health.warmUpSettled ? ['sagas, settlements or webhooks still running (not settled)'] : []),
  ...(health.ledgerDifferences ? [`${health.ledgerDifferences} ledger differences`] : []),
  ...(health.untrackedInvocations ? [`${health.untrackedInvocations} invocations the attribution did not see`] : []),
  ...(health.webhooksMissed ? [`${health.webhooksMissed} events never delivered to the webhook endpoints`] : []),
  ...(health.webhooksUnverified ? [`${health.webhooksUnverified} webhooks whose signature did not verify`] : []),
];
