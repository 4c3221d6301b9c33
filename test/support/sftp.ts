import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SftpEndpoint } from '../../lambdas/adapters/sftp/sftp-session';
import { ensureSshKey } from '../../local/simulators/sftp/keys';
import { type SftpSimulator, startSftpServer } from '../../local/simulators/sftp/server';

/**
 * A counterparty's SFTP server for one test (local/simulators/sftp, as the runtime runs them): a fresh host
 * key, and per user a fresh key and a root directory; `endpoint(user)` is what the platform's adapters take.
 */
export interface TestSftpServer {
  readonly server: SftpSimulator;
  endpoint(user: string): SftpEndpoint;
  stop(): Promise<void>;
}

export const startTestSftpServer = async (roots: Readonly<Record<string, string>>): Promise<TestSftpServer> => {
  const keys = mkdtempSync(join(tmpdir(), 'xborder-sftp-keys-'));
  const host = ensureSshKey(keys, 'host');
  const users = Object.fromEntries(Object.keys(roots).map((user) => [user, ensureSshKey(keys, user)]));
  for (const root of Object.values(roots)) mkdirSync(root, { recursive: true });
  const server = await startSftpServer({
    hostKey: host.privateKey,
    users: Object.fromEntries(Object.entries(roots).map(([user, root]) => [user, { root, publicKey: (users[user] as { publicKey: string }).publicKey }])),
  });
  return {
    server,
    endpoint: (user) => ({ host: server.host, port: server.port, username: user, privateKey: (users[user] as { privateKey: string }).privateKey, hostKeySha256: host.fingerprint }),
    stop: () => server.stop(),
  };
};

/**
 * Point the platform's settlement SFTP configuration (SETTLEMENT_SFTP_URL, _PRIVATE_KEY, _HOST_KEY: decision 0028)
 * at this server as `user`, as the local runtime does for the acquirers' server.
 */
export const useAsSettlementServer = (sftp: TestSftpServer, user: string): void => {
  const endpoint = sftp.endpoint(user);
  process.env.SETTLEMENT_SFTP_URL = `sftp://${endpoint.username}@${endpoint.host}:${endpoint.port}`;
  process.env.SETTLEMENT_SFTP_PRIVATE_KEY = endpoint.privateKey;
  process.env.SETTLEMENT_SFTP_HOST_KEY = endpoint.hostKeySha256;
};
