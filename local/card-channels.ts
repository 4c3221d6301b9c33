import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { channelEnvPrefix } from '../lambdas/adapters/channels/http-card-acquirer';
import { ACQUIRER_PROFILES, type AcquirerName } from './simulators/card-acquirer/profiles';
import { type CardAcquirerSimulator, startCardAcquirer } from './simulators/card-acquirer/server';
import { STATEMENTS_DIRECTORY } from './simulators/bank/statements';
import { ensureSshKey } from './simulators/sftp/keys';
import { type SftpSimulator, startSftpServer } from './simulators/sftp/server';

/**
 * The card channels of the local runtime: one simulated acquirer per profile (atlas, boreal), each on a
 * free 127.0.0.1 port with its ledger under `<stateDir>/simulators/<name>/` (in memory with
 * `--in-memory`), and the environment the HTTP adapter reads (`<CHANNEL>_URL`, `<CHANNEL>_API_KEY`),
 * exactly as in AWS where those point at the real acquirers. Each acquirer writes its settlement reports
 * under `<stateDir>/settlement-reports/<name>/`, which the acquirers' SFTP server (local/simulators/sftp)
 * serves to the platform's user `xborder`, chrooted there (`/<name>/<file>`); the platform reads them over
 * SFTP with the key and pinned host key in SETTLEMENT_SFTP_URL / _PRIVATE_KEY / _HOST_KEY (decision 0028).
 * The simulated bank's camt.053 statements of the platform's accounts (local/simulators/bank/statements.ts)
 * are served by the same server from `<stateDir>/settlement-reports/statements/` (`/statements/<file>`,
 * decision 0032). Keys are generated on first start under `<stateDir>/sftp/`.
 */
export interface LocalCardChannel {
  readonly name: AcquirerName;
  readonly url: string;
  readonly apiKey: string;
  /** The secret the acquirer signs its webhooks with (`<CHANNEL>_WEBHOOK_SECRET`). */
  readonly webhookSecret: string;
}

/** Where a standard SFTP client finds the reports: the server, the platform's user and key, the host key to trust. */
export interface LocalSftpAccess {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly privateKeyFile: string;
  /** The server's public host key (`ssh-ed25519 AAAA...`), for a known_hosts line. */
  readonly hostPublicKey: string;
  /** The directory the user is chrooted in. */
  readonly root: string;
}

export const LOCAL_SFTP_USER = 'xborder';

export interface LocalCardChannels {
  readonly channels: readonly LocalCardChannel[];
  /** The acquirers' SFTP server, where their settlement reports are. */
  readonly reportsSftp: LocalSftpAccess;
  /** `ATLAS_URL`, `ATLAS_API_KEY`, `BOREAL_URL`, ... */
  readonly environment: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface LocalCardChannelsOptions {
  readonly stateDir: string;
  readonly inMemory: boolean;
  /** Where each acquirer delivers its signed webhooks: `<apiUrl>/v1/channel_events/<channel>`. */
  readonly apiUrl?: string;
}

export const startLocalCardChannels = async (options: LocalCardChannelsOptions): Promise<LocalCardChannels> => {
  const simulators: CardAcquirerSimulator[] = [];
  const channels: LocalCardChannel[] = [];
  const reportsRoot = join(options.stateDir, 'settlement-reports');
  mkdirSync(join(reportsRoot, STATEMENTS_DIRECTORY), { recursive: true });
  const keys = join(options.stateDir, 'sftp');
  const hostKey = ensureSshKey(keys, 'acquirers-host');
  const platformKey = ensureSshKey(keys, 'platform-acquirers');
  let sftp: SftpSimulator | undefined;
  const stop = async () => {
    await sftp?.stop();
    await Promise.all(simulators.map((simulator) => simulator.stop()));
  };
  try {
    sftp = await startSftpServer({
      hostKey: hostKey.privateKey,
      users: { [LOCAL_SFTP_USER]: { root: reportsRoot, publicKey: platformKey.publicKey } },
      log: (message, fields) => console.error(JSON.stringify({ level: 'WARN', component: 'acquirers-sftp', message, ...fields })),
    });
    for (const name of Object.keys(ACQUIRER_PROFILES) as AcquirerName[]) {
      const apiKey = `sk_local_${randomBytes(18).toString('base64url')}`;
      const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
      const simulator = await startCardAcquirer({
        name,
        apiKey,
        ...ACQUIRER_PROFILES[name],
        webhooks: options.apiUrl ? { url: `${options.apiUrl}/v1/channel_events/${name}`, secret: webhookSecret } : undefined,
        directory: options.inMemory ? undefined : join(options.stateDir, 'simulators', name),
        // Reports are files even with --in-memory: the reconciliation workflow reads them from here.
        settlementReportsDir: join(reportsRoot, name),
        log: (entry) => console.error(JSON.stringify(entry)),
      });
      simulators.push(simulator);
      channels.push({ name, url: simulator.url, apiKey, webhookSecret });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  // Where the reconciliation functions read the acquirers' reports (decision 0028): secrets held in the
  // variables, as for the API keys (lambdas/shared/secrets.ts).
  const environment: Record<string, string> = {
    SETTLEMENT_SFTP_URL: `sftp://${LOCAL_SFTP_USER}@${sftp.host}:${sftp.port}`,
    SETTLEMENT_SFTP_PRIVATE_KEY: platformKey.privateKey,
    SETTLEMENT_SFTP_HOST_KEY: hostKey.fingerprint,
  };
  for (const channel of channels) {
    const prefix = channelEnvPrefix(channel.name);
    environment[`${prefix}_URL`] = channel.url;
    environment[`${prefix}_API_KEY`] = channel.apiKey;
    environment[`${prefix}_WEBHOOK_SECRET`] = channel.webhookSecret;
  }
  const reportsSftp = { host: sftp.host, port: sftp.port, username: LOCAL_SFTP_USER, privateKeyFile: platformKey.privateKeyFile, hostPublicKey: hostKey.publicKey, root: reportsRoot };
  return { channels, reportsSftp, environment, stop };
};
