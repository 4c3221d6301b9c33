import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MERIDIAN_INBOX } from '../lambdas/adapters/rails/meridian-file-rail';
import { SftpRailInbox } from '../lambdas/adapters/sftp/rail-inbox-sftp';
import { type SftpConnection, type SftpEndpoint, type SftpFiles, SftpSession } from '../lambdas/adapters/sftp/sftp-session';
import { pullRailInbox } from '../lambdas/use-cases/payouts/pull-rail-inbox';
import type { PayoutChannel } from '../lambdas/domain/payouts/beneficiary';
import type { RailMessage } from '../lambdas/ports/payout-rail';
import { LOCAL_SFTP_USER, type LocalSftpAccess } from './card-channels';
import { type KeystoneSimulator, startKeystoneSimulator } from './simulators/payout-rails/keystone';
import { type MeridianSimulator, startMeridianSimulator } from './simulators/payout-rails/meridian';
import { type PulseSimulator, startPulseSimulator } from './simulators/payout-rails/pulse';
import type { RailTimings } from './simulators/payout-rails/scenarios';
import { ensureFileSigningKey, ensureSshKey } from './simulators/sftp/keys';
import { type SftpSimulator, startSftpServer } from './simulators/sftp/server';
import { readBody } from './http-body';

/**
 * The payout rails of the local runtime: the three simulated banks (docs/simulators.md) and the bridge
 * that carries their answers to the platform, the way a rail-callback API and a file drop's notifications
 * would in AWS:
 *   - an HTTP listener on 127.0.0.1 where Keystone POSTs its SOAP notifications (/rails/keystone) and Pulse
 *     its webhooks (/rails/pulse); each request is forwarded, raw, to the platform's API route
 *     `POST /v1/rail_events/{channel}` (`deliverCallback`; the `receivePayoutRailEvents` function), whose
 *     answer (status, body) goes back to the rail (which retries until it gets a 2xx). The bridge keeps what
 *     it forwarded for the drills to replay;
 *   - Meridian's SFTP server (local/simulators/sftp; the platform's user `xborder` chrooted in the bank's
 *     exchange directory: /outbox, /inbox), and a poller that reads /inbox over SFTP with the platform's
 *     key and pinned host key every 200 ms, with the use case the scheduled `pullPayoutRailInbox` runs every
 *     minute in AWS (pullRailInbox): each file, with its `.sig`, is handed to the same function, then moved
 *     to /inbox/processed, or to /inbox/refused with a `<name>.reason.txt` saying why when the function
 *     refused it (unsigned, forged, unreadable); left in place to retry on an error.
 * `environment` holds what the functions read: MERIDIAN_SFTP_URL/PRIVATE_KEY/HOST_KEY,
 * MERIDIAN_FILE_SIGNING_KEYS (the bank's public key, pinned), KEYSTONE_URL/CLIENT_ID/API_KEY,
 * KEYSTONE_NOTIFICATION_SECRETS, PULSE_URL/API_KEY, PULSE_WEBHOOK_SECRETS. SSH and signing keys are
 * generated on first start under `<stateDir>/sftp/`.
 */
export type RailEventsInvoker = (event: { readonly channel: PayoutChannel; readonly message: RailMessage }) => Promise<{
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}>;

export interface LocalPayoutRailsOptions {
  readonly stateDir: string;
  readonly inMemory: boolean;
  readonly invoke: RailEventsInvoker;
  /**
   * How a rail's HTTP callback reaches the platform: the local runtime forwards it to its API,
   * `POST /v1/rail_events/{channel}`, as the rail's request reaches API Gateway in AWS. Without it (test
   * harnesses that run no API) the bridge invokes the function directly.
   */
  readonly deliverCallback?: (channel: 'keystone' | 'pulse', headers: Readonly<Record<string, string>>, body: string) => Promise<{ status: number; contentType: string; body: string }>;
  readonly timings?: Partial<Record<PayoutChannel, Partial<RailTimings>>>;
  readonly pollMs?: number;
  /**
   * How often the bridge reads Meridian's inbox (default `pollMs`, else 200 ms); 0: never, leaving the files
   * to the scheduled `pullPayoutRailInbox` function, as in AWS (its integration test).
   */
  readonly inboxPollMs?: number;
  /**
   * The secrets Keystone and Pulse sign their callbacks with. Default: new ones on each start. The two-region
   * platform gives both regions the same (local/regions.ts), as AWS's secrets hold the same values in both.
   */
  readonly notificationSecrets?: { readonly keystone: string; readonly pulse: string };
  readonly log?: (entry: Record<string, unknown>) => void;
}

/** A callback as the bridge received it from a rail (headers as sent, the raw body). */
export interface ReceivedRailCallback {
  readonly channel: 'keystone' | 'pulse';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly status: number;
}

/** How many received callbacks the bridge keeps for `receivedCallbacks` (the newest). */
const KEPT_CALLBACKS = 10_000;

export interface LocalPayoutRails {
  readonly environment: Readonly<Record<string, string>>;
  readonly callbackUrl: string;
  /** The rails' callbacks the bridge received, oldest first (the last 10,000): drills replay them. */
  receivedCallbacks(): readonly ReceivedRailCallback[];
  readonly meridian: MeridianSimulator;
  /** Meridian's SFTP server, for a standard client (the platform's user, key and the host key to trust). */
  readonly meridianSftp: LocalSftpAccess;
  readonly keystone: KeystoneSimulator;
  readonly pulse: PulseSimulator;
  /** What runtime.json shows: each rail's address and where Meridian's files go. */
  readonly summary: Readonly<Record<string, unknown>>;
  stop(): Promise<void>;
}

const secret = () => randomBytes(24).toString('base64url');

/** New notification secrets for the rails' callbacks (the two-region platform makes one pair for both regions). */
export const newRailNotificationSecrets = () => ({ keystone: secret(), pulse: secret() });

export const startLocalPayoutRails = async (options: LocalPayoutRailsOptions): Promise<LocalPayoutRails> => {
  const log = options.log ?? ((entry) => console.error(JSON.stringify(entry)));
  const root = join(options.stateDir, 'payout-rails');
  const keys = {
    keystoneApiKey: `ks_local_${secret()}`,
    keystoneSecret: options.notificationSecrets?.keystone ?? secret(),
    pulseApiKey: `pk_local_${secret()}`,
    pulseSecret: options.notificationSecrets?.pulse ?? secret(),
  };

  const received: ReceivedRailCallback[] = [];
  const bridge = createServer((request, response) => {
    const channel = request.url === '/rails/keystone' ? 'keystone' : request.url === '/rails/pulse' ? 'pulse' : undefined;
    if (request.method !== 'POST' || !channel) {
      response.writeHead(404).end();
      return;
    }
    readBody(request)
      .then(async (body) => {
        const headers = Object.fromEntries(Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));
        const answer = options.deliverCallback ? await options.deliverCallback(channel, headers, body) : await options.invoke({ channel, message: { kind: 'http', headers, body } });
        received.push({ channel, headers, body, status: answer.status });
        if (received.length > KEPT_CALLBACKS) received.splice(0, received.length - KEPT_CALLBACKS);
        response.writeHead(answer.status, { 'Content-Type': answer.contentType }).end(answer.body);
      })
      .catch((error: unknown) => {
        log({ level: 'ERROR', component: 'payout-rails', message: 'rail callback failed', channel, error: (error as Error).message });
        if (!response.headersSent) response.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(bridge.address() as AddressInfo).port}`;
  const simulatorLog = (simulator: string) => (message: string, fields?: Record<string, unknown>) =>
    log({ level: 'WARN', component: 'payout-rails', simulator, message, ...fields });

  let meridian: MeridianSimulator | undefined;
  let meridianSftp: SftpSimulator | undefined;
  let keystone: KeystoneSimulator | undefined;
  let pulse: PulseSimulator | undefined;
  let inboxPoll: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let inboxConnection: SftpConnection | undefined;
  const keysDir = join(options.stateDir, 'sftp');
  const hostKey = ensureSshKey(keysDir, 'meridian-host');
  const platformKey = ensureSshKey(keysDir, 'platform-meridian');
  const signingKey = ensureFileSigningKey(keysDir, 'meridian-file-signing');
  const stop = async () => {
    if (inboxPoll) clearInterval(inboxPoll);
    await polling;
    inboxConnection?.close();
    await meridianSftp?.stop();
    meridian?.stop();
    await keystone?.stop();
    await pulse?.stop();
    bridge.closeAllConnections();
    await new Promise<void>((resolve) => bridge.close(() => resolve()));
  };
  try {
    meridian = startMeridianSimulator({ root: join(root, 'meridian'), signingKey: signingKey.privateKey, timings: options.timings?.meridian, pollMs: options.pollMs, ephemeral: options.inMemory, log: simulatorLog('meridian') });
    meridianSftp = await startSftpServer({
      hostKey: hostKey.privateKey,
      users: { [LOCAL_SFTP_USER]: { root: meridian.exchange, publicKey: platformKey.publicKey } },
      log: simulatorLog('meridian-sftp'),
    });
    keystone = await startKeystoneSimulator({
      clientId: 'xborder',
      apiKey: keys.keystoneApiKey,
      notificationUrl: `${callbackUrl}/rails/keystone`,
      notificationSecret: keys.keystoneSecret,
      ...(options.inMemory ? {} : { directory: join(root, 'keystone') }),
      timings: options.timings?.keystone,
      log: simulatorLog('keystone'),
    });
    pulse = await startPulseSimulator({
      apiKey: keys.pulseApiKey,
      webhookUrl: `${callbackUrl}/rails/pulse`,
      webhookSecret: keys.pulseSecret,
      ...(options.inMemory ? {} : { directory: join(root, 'pulse') }),
      timings: options.timings?.pulse,
      log: simulatorLog('pulse'),
    });
  } catch (error) {
    await stop();
    throw error;
  }

  mkdirSync(join(meridian.inbox, 'processed'), { recursive: true });
  mkdirSync(join(meridian.inbox, 'refused'), { recursive: true });
  const endpoint: SftpEndpoint = { host: meridianSftp.host, port: meridianSftp.port, username: LOCAL_SFTP_USER, privateKey: platformKey.privateKey, hostKeySha256: hostKey.fingerprint };
  const session = new SftpSession(endpoint);
  // The same pull as the scheduled function in AWS (lambdas/handlers/scheduled/pull-payout-rail-inbox.ts),
  // faster: each file goes to the rail-events function, then to processed/ or refused/.
  const pullInbox = async (files: SftpFiles) => {
    const result = await pullRailInbox({
      inbox: new SftpRailInbox(files, MERIDIAN_INBOX),
      receive: (message) => options.invoke({ channel: 'meridian', message }),
    });
    for (const refusal of result.refused) log({ level: 'ERROR', component: 'payout-rails', message: 'inbox file refused', name: refusal.name, reason: refusal.reason });
    for (const failure of result.failed) log({ level: 'ERROR', component: 'payout-rails', message: 'inbox file not processed; will retry', name: failure.name, error: failure.error });
  };
  // One SFTP connection kept for the polls (reopened after a failure): a handshake per look, five times a
  // second, was ~3 % of the bench's Node CPU (key exchange and authentication on both ends, in this process).
  const inbox = async (): Promise<SftpFiles> => {
    if (!inboxConnection || inboxConnection.closed) inboxConnection = await session.connect();
    return inboxConnection.files;
  };
  const inboxPollMs = options.inboxPollMs ?? options.pollMs ?? 200;
  if (inboxPollMs > 0) inboxPoll = setInterval(() => {
    if (polling) return;
    polling = inbox()
      .then(pullInbox)
      .catch((error: unknown) => {
        inboxConnection?.close();
        inboxConnection = undefined;
        log({ level: 'ERROR', component: 'payout-rails', message: 'inbox not reachable over SFTP; will retry', error: (error as Error).message });
      })
      .finally(() => {
        polling = undefined;
      });
  }, inboxPollMs);

  const meridianAccess: LocalSftpAccess = { host: meridianSftp.host, port: meridianSftp.port, username: LOCAL_SFTP_USER, privateKeyFile: platformKey.privateKeyFile, hostPublicKey: hostKey.publicKey, root: meridian.exchange };
  return {
    environment: {
      MERIDIAN_SFTP_URL: `sftp://${LOCAL_SFTP_USER}@${meridianSftp.host}:${meridianSftp.port}`,
      MERIDIAN_SFTP_PRIVATE_KEY: platformKey.privateKey,
      MERIDIAN_SFTP_HOST_KEY: hostKey.fingerprint,
      MERIDIAN_FILE_SIGNING_KEYS: signingKey.publicKey,
      KEYSTONE_URL: keystone.url,
      KEYSTONE_CLIENT_ID: 'xborder',
      KEYSTONE_API_KEY: keys.keystoneApiKey,
      KEYSTONE_NOTIFICATION_SECRETS: keys.keystoneSecret,
      PULSE_URL: pulse.url,
      PULSE_API_KEY: keys.pulseApiKey,
      PULSE_WEBHOOK_SECRETS: keys.pulseSecret,
    },
    callbackUrl,
    meridian,
    meridianSftp: meridianAccess,
    keystone,
    pulse,
    receivedCallbacks: () => [...received],
    summary: {
      meridian: { sftp: `sftp://${LOCAL_SFTP_USER}@${meridianSftp.host}:${meridianSftp.port}`, outbox: meridian.outbox, inbox: meridian.inbox, archive: meridian.archive },
      keystone: { url: keystone.url, apiKey: keys.keystoneApiKey },
      pulse: { url: pulse.url, apiKey: keys.pulseApiKey },
      callbackUrl,
    },
    stop,
  };
};
