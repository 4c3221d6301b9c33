import { deployment } from './deployment';

/**
 * Every DynamoDB table, declared once. lib/ turns each into a TableV2 (a global table, or one table per
 * region: `replication`); local/ creates the same tables in DynamoDB Local (one region). Access patterns
 * are documented in docs/data-model.md.
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
  /**
   * Where the table lives; default `global`.
   *  - `global`: one DynamoDB global table replicated to every region (multi-region eventual consistency:
   *    last writer wins), with the stream replication needs.
   *  - `regional`: a table of the same name in each region, never replicated and without a stream, for data
   *    that must not leave the region that wrote it and that no other region needs (idempotency records,
   *    card holds, card velocity counters: docs/decisions/0014-card-holds-and-regional-tables.md). Functions
   *    address every table by name, so a function reaches its own region's table.
   */
  readonly replication?: 'global' | 'regional';
  /**
   * Every table has point-in-time recovery and daily AWS Backup copies, unless this says why no copy of its
   * items may exist: then it has neither, and lib/ acknowledges exactly the gate findings that raises, on
   * this table only, with this reason (docs/security.md).
   */
  readonly noCopies?: { readonly reason: string };
  /** Only in the local runtime (for example the local Step Functions execution store). */
  readonly localOnly?: boolean;
}

const pk: KeyAttribute = { name: 'pk', type: 'S' };
const sk: KeyAttribute = { name: 'sk', type: 'S' };

/**
 * Sparse: only objects in a *later* flight carry `saga_shard` (a manual payment's capture or cancel, a payout
 * moving again after a wait; until a write ends the flight, normally a second). A creation flight has no
 * marker: the sweeper finds it through the list index (MERCHANT_OBJECTS_INDEX). The sweep-unstarted-sagas
 * function queries both (lambdas/domain/saga-start.ts, docs/decisions/0021-in-flight-sweep-over-list-indexes.md).
 */
export const SAGA_STARTS_INDEX = 'saga-starts';

/** A merchant's objects newest first (payments, refunds, payouts, beneficiaries, conversions); keys only where it matters. */
export const MERCHANT_OBJECTS_INDEX = 'merchant-objects';
/** The payouts table's sparse index of payouts held for an operator's review (docs/decisions/0022-ops-console.md). */
export const PAYOUTS_IN_REVIEW_INDEX = 'payouts-in-review';
/** The payments table's sparse index of payments risk screening sent to review (docs/decisions/0026-risk-engine.md). */
export const PAYMENTS_IN_REVIEW_INDEX = 'payments-in-review';
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
      'Payments (their timelines inside), refunds and capture windows\' task tokens; payments listed per merchant, newest first (docs/data-model.md).',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: 'expires_at',
    indexes: [
      {
        // Keys only, written once per payment and per refund (their keys never change), spread over a few
        // partitions per merchant and kind.
        name: MERCHANT_OBJECTS_INDEX,
        partitionKey: { name: 'merchant_type', type: 'S' },
        sortKey: { name: 'created_key', type: 'S' },
        projection: 'KEYS_ONLY',
      },
      sagaStartsIndex,
      {
        // The operators' risk review queue, oldest first: only a payment risk screening sent to review and
        // no operator has decided carries `review_queue` (sparse: every write is a whole-item Put, so the
        // decision's write drops it), `review_order` = <created at>#<payment id>. Keys only; reviews are rare.
        name: PAYMENTS_IN_REVIEW_INDEX,
        partitionKey: { name: 'review_queue', type: 'S' },
        sortKey: { name: 'review_order', type: 'S' },
        projection: 'KEYS_ONLY',
      },
    ],
  },
  idempotency: {
    purpose:
      'Powertools idempotency records: one per merchant and Idempotency-Key, kept 24 hours. Regional: a retry in the other ' +
      'region is still caught by the derived id of what the request creates, in a global table (docs/decisions/0014).',
    partitionKey: { name: 'id', type: 'S' },
    timeToLiveAttribute: 'expiration',
    indexes: [],
    replication: 'regional',
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
      'Beneficiaries\' bank account details as envelope ciphertext only, with non-sensitive metadata (country, currency, last4, keyed fingerprint). ' +
      'No card data: a payment\'s card is held in `cardHolds` until its authorization answers.',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: 'expires_at',
    indexes: [],
  },
  cardHolds: {
    purpose:
      'Card holds: per payment, one envelope ciphertext of its card number, expiry and CVC from its creation until its ' +
      'authorization answers (then a secret-free tombstone for the Idempotency-Key window); and card velocity counters. ' +
      'Regional, no stream, no point-in-time recovery, no backups: nothing keeps a copy (docs/decisions/0014).',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: 'expires_at',
    indexes: [],
    replication: 'regional',
    noCopies: {
      reason:
        'Card holds keep a payment\'s card number, expiry and CVC (envelope-encrypted) only until its authorization answers. ' +
        'PCI DSS 3.3.1 forbids keeping the CVC after authorization, even encrypted, and a point-in-time recovery window or a ' +
        'backup would keep every hold for 35 days; nothing here needs restoring (a lost hold fails or recovers its ' +
        'authorization through the acquirer, never charges twice).',
    },
  },
  channelHealth: {
    purpose:
      "Card channels' health: per channel a sliding window of answer counts (attempts, failures, latency) and its circuit breaker, " +
      'written in batches by the functions that call the channels and read by routing (docs/decisions/0017-routing-health-and-failover.md). ' +
      "Regional: each region's view of the acquirers it reaches.",
    partitionKey: pk,
    timeToLiveAttribute: 'expires_at',
    indexes: [],
    replication: 'regional',
    noCopies: {
      reason:
        'Channel health is the last minute of counters, rebuilt by the next answers: a restored copy would only bring back a stale ' +
        'breaker. Nothing in it is needed after an hour (TTL) and nothing in it is money, card or customer data.',
    },
  },
  audit: {
    purpose:
      'Append-only audit log: per merchant and writing region a few hash chains, one item per entry, written once ' +
      '(docs/decisions/0008-audit-log.md); listed per merchant, newest first, by reading its chains (no index: ' +
      'docs/decisions/0040-lean-data-path.md). No function may update or delete its items.',
    partitionKey: pk,
    sortKey: sk,
    indexes: [],
  },
  fx: {
    purpose: 'FX quotes (locked client rates, claimed once by a conversion or payout; read by id only) and conversions; conversions listed per merchant, newest first.',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        // Conversions only (quotes are never listed), keys only: written once per conversion, not on its
        // completion; a list reads the page's conversions by key (docs/decisions/0040-lean-data-path.md).
        name: MERCHANT_OBJECTS_INDEX,
        partitionKey: { name: 'merchant_type', type: 'S' },
        sortKey: { name: 'created_key', type: 'S' },
        projection: 'KEYS_ONLY',
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
        name: MERCHANT_OBJECTS_INDEX,
        partitionKey: { name: 'merchant_type', type: 'S' },
        sortKey: { name: 'created_key', type: 'S' },
        projection: 'KEYS_ONLY',
      },
      sagaStartsIndex,
      {
        // The operators' review queue, oldest first: only a payout held for review carries `review_queue`
        // (sparse: written when it enters `in_review`, gone with the next whole-item Put), `review_order` =
        // <created at>#<payout id>. Keys only; the queue reads its page's items by key. Reviews are rare.
        name: PAYOUTS_IN_REVIEW_INDEX,
        partitionKey: { name: 'review_queue', type: 'S' },
        sortKey: { name: 'review_order', type: 'S' },
        projection: 'KEYS_ONLY',
      },
    ],
  },
  events: {
    purpose:
      "Merchants' events in compressed pages (one per merchant and stream batch, kept 30 days), the delivery attempts of each page per " +
      'webhook endpoint, and the webhook endpoints with their signing secrets as envelope ciphertext (docs/decisions/0016-events-and-webhooks.md).',
    partitionKey: pk,
    sortKey: sk,
    timeToLiveAttribute: 'expires_at',
    indexes: [],
  },
  reconciliation: {
    purpose:
      'Settlement reconciliation (docs/decisions/0018-settlement-and-reconciliation.md): each acquirer report received (by channel and ' +
      'SHA-256: status, reason, summary) and the claim of its batch; the captures each batch should hold (from capture.settled); ' +
      'and the breaks found, listed by status, oldest first.',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        // Breaks by status (`open`, `resolved`), oldest first: `break_order` = <detected at>#<break id>. Breaks are
        // rare (a healthy batch has none): one partition per status is plenty.
        name: 'breaks-by-status',
        partitionKey: { name: 'break_status', type: 'S' },
        sortKey: { name: 'break_order', type: 'S' },
      },
    ],
  },
} as const satisfies Record<string, TableDeclaration>;

export type TableKey = keyof typeof tables;

export const tableKeys = Object.keys(tables) as TableKey[];

/** Where a table lives (`replication`, default global). */
export const replicationOf = (key: TableKey): 'global' | 'regional' => (tables[key] as TableDeclaration).replication ?? 'global';

/** Physical name, identical in every region (a global table's replicas, and each region's regional table). */
export const tableName = (key: TableKey): string => `${deployment.appName}-${key.replace(/([A-Z])/g, '-$1').toLowerCase()}`;

/** The environment variable through which a function learns a table's name. */
export const tableEnvVar = (key: TableKey): string =>
  `${key.replace(/([A-Z])/g, '_$1').toUpperCase()}_TABLE_NAME`;
