/**
 * Where the bank's statements of the platform's accounts arrive: `/statements/<file>` on the SFTP server the
 * acquirers' reports are fetched from (adapters/sftp/bank-statement-sftp.ts; locally the simulators' server,
 * decision 0032).
 */
export interface BankStatementSource {
  /** The file's bytes; BankStatementNotFoundError when there is none. */
  read(fileName: string): Promise<Buffer>;
}

export class BankStatementNotFoundError extends Error {
  override readonly name = 'BankStatementNotFound';
}
