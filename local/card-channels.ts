import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { channelEnvPrefix } from '../lambdas/adapters/channels/http-card-acquirer';
import { ACQUIRER_PROFILES, type AcquirerName } from './simulators/card-acquirer/profiles';
import { type CardAcquirerSimulator, startCardAcquirer } from './simulators/card-acquirer/server';

/**
 * The card channels of the local runtime: one simulated acquirer per profile (atlas, boreal), each on a
 * free 127.0.0.1 port with its ledger under `<stateDir>/simulators/<name>/` (in memory with
 * `--in-memory`), and the environment the HTTP adapter reads (`<CHANNEL>_URL`, `<CHANNEL>_API_KEY`),
 * exactly as in AWS where those point at the real acquirers. Each acquirer writes its settlement reports
 * under `<stateDir>/settlement-reports/<name>/` (`SETTLEMENT_REPORTS_DIR`).
 */
export interface LocalCardChannel {
  readonly name: AcquirerName;
  readonly url: string;
  readonly apiKey: string;
  /** The secret the acquirer signs its webhooks with (`<CHANNEL>_WEBHOOK_SECRET`). */
  readonly webhookSecret: string;
}

export interface LocalCardChannels {
  readonly channels: readonly LocalCardChannel[];
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
  const stop = async () => {
    await Promise.all(simulators.map((simulator) => simulator.stop()));
  };
  try {
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
        settlementReportsDir: join(options.stateDir, 'settlement-reports', name),
        log: (entry) => console.error(JSON.stringify(entry)),
      });
      simulators.push(simulator);
      channels.push({ name, url: simulator.url, apiKey, webhookSecret });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  // Where the reconciliation functions read the acquirers' reports (decision 0018; SFTP is a later slice).
  const environment: Record<string, string> = { SETTLEMENT_REPORTS_DIR: join(options.stateDir, 'settlement-reports') };
  for (const channel of channels) {
    const prefix = channelEnvPrefix(channel.name);
    environment[`${prefix}_URL`] = channel.url;
    environment[`${prefix}_API_KEY`] = channel.apiKey;
    environment[`${prefix}_WEBHOOK_SECRET`] = channel.webhookSecret;
  }
  return { channels, environment, stop };
};
