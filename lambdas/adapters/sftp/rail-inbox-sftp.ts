import type { RailInbox, RailInboxMessage } from '../../ports/rail-inbox';
import { type SftpFiles, SftpNoSuchFileError } from './sftp-session';

/**
 * A rail's inbox on its SFTP server (Meridian's `/inbox`, decision 0028), over an open connection: the caller
 * owns the connection (a function opens one per pull with SftpSession.use; the local bridge keeps one).
 * Files whose names start with a dot are being written (the bank renames them into place) and are skipped.
 */
export class SftpRailInbox implements RailInbox {
  constructor(
    private readonly files: SftpFiles,
    private readonly directory: string,
  ) {}

  async waiting(): Promise<string[]> {
    return (await this.files.list(this.directory)).filter((name) => !name.startsWith('.') && !name.endsWith('.sig'));
  }

  async read(name: string): Promise<RailInboxMessage> {
    const path = `${this.directory}/${name}`;
    const content = (await this.files.readFile(path)).toString('utf8');
    const signature = await this.files.readFile(`${path}.sig`).then(
      (bytes) => bytes.toString('utf8'),
      (error: unknown) => {
        if (error instanceof SftpNoSuchFileError) return undefined;
        throw error;
      },
    );
    return { kind: 'file', name, content, ...(signature === undefined ? {} : { signature }) };
  }

  async fileAway(name: string, outcome: { readonly accepted: true } | { readonly accepted: false; readonly reason: string }): Promise<void> {
    const path = `${this.directory}/${name}`;
    const to = `${this.directory}/${outcome.accepted ? 'processed' : 'refused'}`;
    if (!outcome.accepted) await this.files.writeFile(`${to}/${name}.reason.txt`, `${outcome.reason}\n`);
    if (await this.files.exists(`${path}.sig`)) await this.files.rename(`${path}.sig`, `${to}/${name}.sig`);
    await this.files.rename(path, `${to}/${name}`);
  }
}
