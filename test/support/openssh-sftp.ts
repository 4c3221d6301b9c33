import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LocalSftpAccess } from '../../local/card-channels';

/**
 * OpenSSH's `sftp` (Debian's openssh-client; .ci/run installs it), run in batch mode against a local SFTP
 * server: a client nobody here wrote. It trusts exactly the server's host key (a known_hosts file of one
 * line, StrictHostKeyChecking=yes) and logs in with the given key only. Resolves with its stdout; rejects
 * (with its stderr) when any command fails.
 */
export const opensshSftp = async (access: LocalSftpAccess, commands: readonly string[], options: { readonly hostPublicKey?: string } = {}): Promise<string> => {
  const directory = mkdtempSync(join(tmpdir(), 'openssh-sftp-'));
  const knownHosts = join(directory, 'known_hosts');
  writeFileSync(knownHosts, `[${access.host}]:${access.port} ${options.hostPublicKey ?? access.hostPublicKey}\n`);
  const batch = join(directory, 'batch');
  writeFileSync(batch, `${commands.join('\n')}\n`);
  const run = promisify(execFile)(
    'sftp',
    ['-b', batch, '-i', access.privateKeyFile, '-P', String(access.port), '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', `${access.username}@${access.host}`],
    { encoding: 'utf8', timeout: 20_000 },
  );
  // The batch comes from the file: stdin gives nothing.
  run.child.stdin?.end();
  return (await run).stdout;
};
