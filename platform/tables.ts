import { deployment } from './deployment';

/**
 * Every DynamoDB table, declared once. lib/ turns each into a TableV2 global table; local/ creates the
 * same tables in DynamoDB Local. Access patterns are documented in docs/data-model.md.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexDeclaration {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** What the index copies of each item; default ALL. KEYS_ONLY keeps a sparse index's writes minimal. */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableDeclaration {
  readonly purpose: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly timeToLiveAttribute?: string;
  readonly indexes: readonly IndexDeclaration[];
  /** Only in the local runtime (for example the local Step Functions execution store). */
  readonly localOnly?: boolean;
}

const pk: KeyAttribute = { name: 'pk', type: 'S' };
const sk: KeyAttribute = { name: 'sk', type: 'S' };

/**
 * Sparse: only objects whose saga has not run its first step carry `saga_shard` (normally for
 * milliseconds). The sweep-unstarted-sagas function queries it (lambdas/domain/saga-start.ts,
 * docs/decisions/0010-saga-start-sweeper.md).
 */
export const SAGA_STARTS_INDEX = 'saga-starts';
const sagaStartsIndex: IndexDeclaration = {
  name: SAGA_STARTS_INDEX,
  partitionKey: { name: 'saga_shard', type: 'S' },
  sortKey: { name: 'saga_pending_since', type: 'S' },
  projection: 'KEYS_ONLY',
};

export const tables = {
  merchants: {
    purpose: 'Merchant profiles and API key hashes (never the keys).',
    partitionKey: pk,
    sortKey: sk,
    indexes: [],
  },
  payments: {
    purpose:
      'Payments (their timelines inside), refunds, capture windows\' task tokens and card velocity counters; payments listed per merchant, newest first (docs/data-model.md).',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: 'expires_at',
    indexes: [
      {
        // Keys only, written once per payment (its keys never change), spread over a few partitions per merchant.
        name: 'merchant-objects',
        partitionKey: { name: 'merchant_type', type: 'S' },
        sortKey: { name: 'created_key', type: 'S' },
        projection: 'KEYS_ONLY',
      },
      sagaStartsIndex,
    ],
  },
  idempotency: {
    purpose: 'Powertools idempotency records: one per merchant and Idempotency-Key, kept 24 hours.',
    partitionKey: { name: 'id', type: 'S' },
    timeToLiveAttribute: 'expiration',
    indexes: [],
  },
  ledger: {
    purpose:
      'Double-entry journal (each payment, payout and conversion its numbered transactions, with their statement lines), ' +
      "merchants' balance shards and home-region markers (docs/ledger.md).",
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        // A merchant's statement lines, spread over a few partitions (`gm` = <merchant>#<n>), newest first by
        // `gt` = <created at>#<line id>; keys only, written once with the line (docs/ledger.md, "Storage").
        name: 'merchant-line-shards',
        partitionKey: { name: 'gm', type: 'S' },
        sortKey: { name: 'gt', type: 'S' },
        projection: 'KEYS_ONLY',
      },
    ],
  },
  vault: {
    purpose:
      'Card and bank account secrets as envelope ciphertext only, with non-sensitive metadata (brand, last4, expiry, keyed fingerprint); CVCs held encrypted for minutes, until authorization.',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: 'expires_at',
    indexes: [],
  },
  audit: {
    purpose:
      'Append-only audit log: per merchant and writing region a few hash chains, one item per entry, written once ' +
      '(docs/decisions/0008-audit-log.md); listed per merchant, newest first, from 4 keys-only index partitions. No function may update or delete its items.',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        name: 'merchant-entry-shards',
        partitionKey: { name: 'entry_shard', type: 'S' },
        sortKey: { name: 'entry_order', type: 'S' },
        projection: 'KEYS_ONLY',
      },
    ],
  },
  fx: {
    purpose: 'FX quotes (locked client rates, claimed once by a conversion or payout) and conversions; listed per merchant, newest first.',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        name: 'merchant-objects',
        partitionKey: { name: 'merchant_type', type: 'S' },
        sortKey: { name: 'created_key', type: 'S' },
      },
    ],
  },
  payouts: {
    purpose:
      'Beneficiaries (masked bank details and vault tokens), payouts with their timelines, the task tokens of their durable waits, ' +
      'and rail references; listed per merchant, newest first.',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        // Keys only: written once per object (its keys never change), not on each of a payout's ~8 changes;
        // a list reads the page's items by key (BatchGetItem).
        name: 'merchant-objects',
        partitionKey: { name: 'merchant_type', type: 'S' },
        sortKey: { name: 'created_key', type: 'S' },
        projection: 'KEYS_ONLY',
      },
      sagaStartsIndex,
    ],
  },
} as const satisfies Record<string, TableDeclaration>;

export type TableKey = keyof typeof tables;

export const tableKeys = Object.keys(tables) as TableKey[];

/** Physical name, identical in every region (global tables share their name). */
export const tableName = (key: TableKey): string => `${deployment.appName}-${key}`;

/** The environment variable through which a function learns a table's name. */
export const tableEnvVar = (key: TableKey): string =>
  `${key.replace(/([A-Z])/g, '_$1').toUpperCase()}_TABLE_NAME`;
