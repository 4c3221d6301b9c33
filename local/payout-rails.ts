import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { PayoutChannel } from '../lambdas/domain/payouts/beneficiary';
import type { RailMessage } from '../lambdas/ports/payout-rail';
import { type KeystoneSimulator, startKeystoneSimulator } from './simulators/payout-rails/keystone';
import { type MeridianSimulator, startMeridianSimulator } from './simulators/payout-rails/meridian';
import { type PulseSimulator, startPulseSimulator } from './simulators/payout-rails/pulse';
import type { RailTimings } from './simulators/payout-rails/scenarios';
import { readBody } from './http-body';

/**
 * The payout rails of the local runtime: the three simulated banks (docs/simulators.md) and the bridge
 * that carries their answers to the platform, the way a rail-callback API and a file drop's notifications
 * would in AWS:
 *   - an HTTP listener on 127.0.0.1 where Keystone POSTs its SOAP notifications (/rails/keystone) and Pulse
 *     its webhooks (/rails/pulse); each request is handed, raw, to the `receivePayoutRailEvents` function,
 *     whose answer (status, body) goes back to the rail (which retries until it gets a 2xx);
 *   - a poller of Meridian's inbox directory: each file is handed to the same function, then moved to
 *     inbox/processed (or inbox/refused when the function refused it; left in place to retry on an error).
 * `environment` holds what the functions read: MERIDIAN_OUTBOX_DIR, KEYSTONE_URL/CLIENT_ID/API_KEY,
 * KEYSTONE_NOTIFICATION_SECRETS, PULSE_URL/API_KEY, PULSE_WEBHOOK_SECRETS.
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
  readonly timings?: Partial<Record<PayoutChannel, Partial<RailTimings>>>;
  readonly pollMs?: number;
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
  readonly keystone: KeystoneSimulator;
  readonly pulse: PulseSimulator;
  /** What runtime.json shows: each rail's address and where Meridian's files go. */
  readonly summary: Readonly<Record<string, unknown>>;
  stop(): Promise<void>;
}

const secret = () => randomBytes(24).toString('base64url');

export const startLocalPayoutRails = async (options: LocalPayoutRailsOptions): Promise<LocalPayoutRails> => {
  const log = options.log ?? ((entry) => console.error(JSON.stringify(entry)));
  const root = join(options.stateDir, 'payout-rails');
  const keys = { keystoneApiKey: `ks_local_${secret()}`, keystoneSecret: secret(), pulseApiKey: `pk_local_${secret()}`, pulseSecret: secret() };

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
        const answer = await options.invoke({ channel, message: { kind: 'http', headers, body } });
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
  let keystone: KeystoneSimulator | undefined;
  let pulse: PulseSimulator | undefined;
  let inboxPoll: NodeJS.Timeout | undefined;
  const stop = async () => {
    if (inboxPoll) clearInterval(inboxPoll);
    meridian?.stop();
    await keystone?.stop();
    await pulse?.stop();
    bridge.closeAllConnections();
    await new Promise<void>((resolve) => bridge.close(() => resolve()));
  };
  try {
    meridian = startMeridianSimulator({ root: join(root, 'meridian'), timings: options.timings?.meridian, pollMs: options.pollMs, ephemeral: options.inMemory, log: simulatorLog('meridian') });
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

  const { inbox } = meridian;
  const processed = join(inbox, 'processed');
  const refused = join(inbox, 'refused');
  mkdirSync(processed, { recursive: true });
  mkdirSync(refused, { recursive: true });
  let polling = false;
  inboxPoll = setInterval(() => {
    if (polling) return;
    polling = true;
    void (async () => {
      for (const name of readdirSync(inbox, { withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.startsWith('.')).map((entry) => entry.name).sort()) {
        try {
          const content = readFileSync(join(inbox, name), 'utf8');
          const answer = await options.invoke({ channel: 'meridian', message: { kind: 'file', name, content } });
          renameSync(join(inbox, name), join(answer.status < 300 ? processed : refused, name));
          if (answer.status >= 300) log({ level: 'ERROR', component: 'payout-rails', message: 'inbox file refused', name, reason: answer.body });
        } catch (error) {
          log({ level: 'ERROR', component: 'payout-rails', message: 'inbox file not processed; will retry', name, error: (error as Error).message });
        }
      }
    })().finally(() => {
      polling = false;
    });
  }, options.pollMs ?? 200);

  return {
    environment: {
      MERIDIAN_OUTBOX_DIR: meridian.outbox,
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
    keystone,
    pulse,
    receivedCallbacks: () => [...received],
    summary: {
      meridian: { outbox: meridian.outbox, inbox: meridian.inbox },
      keystone: { url: keystone.url, apiKey: keys.keystoneApiKey },
      pulse: { url: pulse.url, apiKey: keys.pulseApiKey },
      callbackUrl,
    },
    stop,
  };
};
