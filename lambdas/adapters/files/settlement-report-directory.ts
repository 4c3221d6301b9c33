import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPORT_FILE_NAME, SettlementReportNotFoundError, type SettlementReportSource } from '../../ports/settlement-report-source';

/** Reports in `<root>/<channel>/<file>`, as the local acquirer simulators write them (`settlementReportsDir`). */
export class DirectorySettlementReportSource implements SettlementReportSource {
  constructor(private readonly root: string) {}

  async read(channel: string, fileName: string): Promise<Buffer> {
    if (!/^[a-z][a-z0-9_]*$/.test(channel) || !REPORT_FILE_NAME.test(fileName)) throw new SettlementReportNotFoundError(`No report '${fileName}' of '${channel}'`);
    try {
      return await readFile(join(this.root, channel, fileName));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SettlementReportNotFoundError(`No report '${fileName}' of '${channel}'`);
      throw error;
    }
  }
}
