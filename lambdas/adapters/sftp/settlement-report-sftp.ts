import { type PublishedFile, REPORT_FILE_NAME, SettlementReportNotFoundError, type SettlementReportSource } from '../../ports/settlement-report-source';
import { type SftpEndpoint, SftpNoSuchFileError, SftpSession } from './sftp-session';

/**
 * Acquirers' settlement reports on their SFTP server: `/<channel>/<file>` as the platform's user sees it
 * (locally the acquirer simulators' server, local/card-channels.ts), fetched over a connection that checks
 * the pinned host key (SftpSession).
 */
export class SftpSettlementReportSource implements SettlementReportSource {
  private readonly session: SftpSession;

  constructor(endpoint: SftpEndpoint) {
    this.session = new SftpSession(endpoint);
  }

  async read(channel: string, fileName: string): Promise<Buffer> {
    if (!/^[a-z][a-z0-9_]*$/.test(channel) || !REPORT_FILE_NAME.test(fileName)) throw new SettlementReportNotFoundError(`No report '${fileName}' of '${channel}'`);
    try {
      return await this.session.use((files) => files.readFile(`/${channel}/${fileName}`));
    } catch (error) {
      if (error instanceof SftpNoSuchFileError) throw new SettlementReportNotFoundError(`No report '${fileName}' of '${channel}'`, { cause: error });
      throw error;
    }
  }

  async list(channel: string): Promise<readonly PublishedFile[]> {
    if (!/^[a-z][a-z0-9_]*$/.test(channel)) return [];
    try {
      return (await this.session.use((files) => files.listFiles(`/${channel}`))).filter((file) => REPORT_FILE_NAME.test(file.name));
    } catch (error) {
      if (error instanceof SftpNoSuchFileError) return [];
      throw error;
    }
  }
}
