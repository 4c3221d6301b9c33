/**
 * Where acquirers' settlement reports arrive: `/<channel>/<file>` on an SFTP server
 * (adapters/sftp/settlement-report-sftp.ts; locally the acquirer simulators' server, decision 0028).
 */
export interface SettlementReportSource {
  /** The file's bytes; SettlementReportNotFoundError when there is none. */
  read(channel: string, fileName: string): Promise<Buffer>;
  /** The reports the channel has published (names REPORT_FILE_NAME accepts); none when it has no directory yet. */
  list(channel: string): Promise<readonly PublishedFile[]>;
}

/** A file a counterparty published on its server: its name and when it was last modified (the server's mtime). */
export interface PublishedFile {
  readonly name: string;
  readonly modifiedAt: Date;
}

export class SettlementReportNotFoundError extends Error {
  override readonly name = 'SettlementReportNotFound';
}

/** A report's file name: no directories, no surprises. */
export const REPORT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.csv$/;
