import { STATEMENT_FILE_NAME } from '../bank/camt053';
import { BankStatementNotFoundError, type BankStatementSource } from '../../ports/bank-statement-source';
import type { PublishedFile } from '../../ports/settlement-report-source';
import { type SftpEndpoint, SftpNoSuchFileError, SftpSession } from './sftp-session';

/**
 * The bank's camt.053 statements on the SFTP server: `/statements/<file>` as the platform's user sees it,
 * fetched over a connection that checks the pinned host key (SftpSession), like the acquirers' reports.
 */
export const STATEMENTS_PATH = '/statements';

export class SftpBankStatementSource implements BankStatementSource {
  private readonly session: SftpSession;

  constructor(endpoint: SftpEndpoint) {
    this.session = new SftpSession(endpoint);
  }

  async read(fileName: string): Promise<Buffer> {
    if (!STATEMENT_FILE_NAME.test(fileName)) throw new BankStatementNotFoundError(`No statement '${fileName}'`);
    try {
      return await this.session.use((files) => files.readFile(`${STATEMENTS_PATH}/${fileName}`));
    } catch (error) {
      if (error instanceof SftpNoSuchFileError) throw new BankStatementNotFoundError(`No statement '${fileName}'`, { cause: error });
      throw error;
    }
  }

  async list(): Promise<readonly PublishedFile[]> {
    try {
      return (await this.session.use((files) => files.listFiles(STATEMENTS_PATH))).filter((file) => STATEMENT_FILE_NAME.test(file.name));
    } catch (error) {
      if (error instanceof SftpNoSuchFileError) return [];
      throw error;
    }
  }
}
