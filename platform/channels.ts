/**
 * The card channels (acquirers) the platform routes to, and our contract with each: which currencies it
 * settles and what it charges. Routing reads this; the local acquirer simulators are configured from it
 * (local/simulators/card-acquirer/profiles.ts), as a real acquirer would be bound by the same contract.
 * Each channel's endpoint and credentials come from `<CHANNEL>_URL` / `<CHANNEL>_API_KEY`.
 */
export interface ChannelContract {
  /** The acquirer's API in production (AWS); locally `<CHANNEL>_URL` points at the simulator instead. */
  readonly endpoint: string;
  readonly supportedCurrencies: readonly string[];
  /** Percentage (basis points) plus a fixed amount in minor units of the currency. */
  readonly fees: { readonly percentBps: number; readonly fixed: Readonly<Record<string, number>> };
}

export const cardChannels = {
  atlas: {
    endpoint: 'https://api.atlas-acquiring.example',
    supportedCurrencies: ['USD', 'EUR', 'GBP', 'CAD', 'MXN', 'BRL'],
    fees: { percentBps: 290, fixed: { USD: 30, EUR: 25, GBP: 20, CAD: 30, MXN: 300, BRL: 50 } },
  },
  boreal: {
    endpoint: 'https://gateway.boreal-payments.example',
    supportedCurrencies: ['EUR', 'GBP', 'BRL', 'CHF', 'SEK', 'JPY', 'KRW', 'KWD'],
    fees: { percentBps: 190, fixed: { EUR: 35, GBP: 30, BRL: 80, CHF: 35, SEK: 300, JPY: 40, KRW: 400, KWD: 100 } },
  },
} as const satisfies Record<string, ChannelContract>;

export type CardChannelName = keyof typeof cardChannels;
export const cardChannelNames = Object.keys(cardChannels) as CardChannelName[];

/** `atlas` → `ATLAS`: the prefix of a channel's environment variables (`ATLAS_URL`, `ATLAS_API_KEY`...). */
export const channelEnvPrefix = (channel: string): string => {
  if (!/^[a-z][a-z0-9_]*$/.test(channel)) throw new Error(`Invalid channel name '${channel}'`);
  return channel.toUpperCase();
};

/** The secrets a function talking to the card channels needs: each channel's API key. */
export const cardChannelSecretNames = (): string[] => cardChannelNames.map((name) => `${channelEnvPrefix(name)}_API_KEY`);

/** The secrets the webhook receiver needs: each channel's signing secret(s). */
export const cardChannelWebhookSecretNames = (): string[] => cardChannelNames.map((name) => `${channelEnvPrefix(name)}_WEBHOOK_SECRET`);

/**
 * Where the acquirers' settlement reports are collected in production: one SFTP server, a directory per
 * channel (decision 0028). Locally local/card-channels.ts points the variable at the acquirers' simulated
 * SFTP server. The platform's key and the server's pinned host key fingerprint are secrets.
 */
export const settlementReportsEndpoint = { SETTLEMENT_SFTP_URL: 'sftp://xborder@sftp.settlement-reports.example:22' } as const;
export const settlementReportSecretNames = ['SETTLEMENT_SFTP_PRIVATE_KEY', 'SETTLEMENT_SFTP_HOST_KEY'] as const;

/**
 * The payout rails' banks and how we reach them in production (docs/decisions/0007-payout-saga-and-rails.md).
 * Locally local/payout-rails.ts points the same variables at the simulators. Meridian (ACH/SEPA batch
 * files) is an SFTP server: payout files go to its /outbox, its answers come from /inbox (decision 0028).
 */
export const payoutRailEndpoints = {
  KEYSTONE_URL: 'https://soap.keystone-correspondent.example/payments/v1',
  KEYSTONE_CLIENT_ID: 'xborder',
  PULSE_URL: 'https://api.pulse-instant.example',
  MERIDIAN_SFTP_URL: 'sftp://xborder@sftp.meridian-bank.example:22',
} as const;

/** What the function submitting payouts must keep secret: the rails' API keys, the key to Meridian's SFTP server and its pinned host key. */
export const payoutRailSecretNames = ['KEYSTONE_API_KEY', 'PULSE_API_KEY', 'MERIDIAN_SFTP_PRIVATE_KEY', 'MERIDIAN_SFTP_HOST_KEY'] as const;

/**
 * What the rail-event receiver verifies messages with: each rail's signing secret(s), comma-separated for
 * rotation, and Meridian's pinned Ed25519 public key(s) its files are signed with (base64 SPKI DER, comma-separated).
 */
export const payoutRailNotificationSecretNames = ['KEYSTONE_NOTIFICATION_SECRETS', 'PULSE_WEBHOOK_SECRETS', 'MERIDIAN_FILE_SIGNING_KEYS'] as const;
