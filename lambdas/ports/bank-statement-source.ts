import type { PublishedFile } from './settlement-report-source';

/**
 * Where the bank's statements of the platform's accounts arrive: `/statements/<file>` on the SFTP server the
 * acquirers' reports are fetched from (adapters/sftp/bank-statement-sftp.ts; locally the simulators' server,
 * decision 0032).
 */
export interface BankStatementSource {
  /** The file's bytes; BankStatementNotFoundError when there is none. */
  read(fileName: string): Promise<Buffer>;
  /** The statements the bank has published (names the platform reads); none when it has no directory yet. */
  list(): Promise<readonly PublishedFile[]>;
}

export class BankStatementNotFoundError extends Error {
  override readonly name = 'BankStatementNotFound';
}
