import type { ApiKeySummary } from '../../ports/merchant-repository';
import type { EventDraft, EventType } from '../../domain/events';
import type { Conversion } from '../../domain/fx/objects';
import type { Beneficiary } from '../../domain/payouts/beneficiary';
import type { StatementLine } from '../../domain/ledger/transaction';
import type { Payment } from '../../domain/payment';
import type { PaymentEventType } from '../../domain/payment-lifecycle';
import type { Payout, PayoutStatus } from '../../domain/payouts/payout';
import type { TableKey } from '../../../platform/tables';
import { presentBalanceTransaction, presentPayment, presentRefund } from '../../shared/http/presenters';
import { presentApiKey } from '../../shared/http/access-presenters';
import { presentBeneficiary, presentConversion, presentPayout } from '../../shared/http/treasury-presenters';
import { decodeJournal, recordTypeOf } from './ledger-codec';
import { paymentOf, refundOf } from './payment-items';
import { payoutOfItem } from './payout-repository';

/**
 * The outbox: a table's change records (DynamoDB Streams, NEW_AND_OLD_IMAGES) turned into event drafts.
 * The change and its record are one write, so there is no change without its event and no event without
 * its change. Each table's items are read with the mapper its repository uses, and each object is shown
 * by the API's own presenter, so an event carries exactly what `GET` would have answered after the change.
 *
 * What becomes an event (docs/api.md, "Event types"):
 * - payments: each new entry of a payment's timeline that a merchant acts on (created, requires_capture,
 *   succeeded, failed, canceled, requires_attention; a refund's success as payment.(partially_)refunded);
 * - refunds: a refund's creation and its end;
 * - payouts: a payout's creation and every status it reaches;
 * - conversions: creation (`pending`, its quote claimed) and completion (posted to the ledger);
 * - beneficiaries: creation (the bank account as `GET` shows it: its number masked to `last4`, never the
 *   vault's ciphertext or fingerprint);
 * - API keys: creation and revocation (the key's public id and redacted prefix only, never its hash or secret).
 * - balance transactions: a statement line whose funds became available (a settlement: `balanceDraftsOf`).
 * REMOVE records (TTL expiry) make none.
 */
export type Item = Record<string, unknown>;

export interface ChangeRecord {
  readonly table: TableKey;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly oldImage?: Item;
  readonly newImage?: Item;
}

const ms = (iso: string | null | undefined, fallback: number): number => {
  const parsed = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : fallback;
};

const PAYMENT_EVENTS: Partial<Record<PaymentEventType, EventType>> = {
  'payment.created': 'payment.created',
  'payment.requires_capture': 'payment.requires_capture',
  'payment.succeeded': 'payment.succeeded',
  'payment.failed': 'payment.failed',
  'payment.canceled': 'payment.canceled',
  'payment.requires_attention': 'payment.requires_attention',
};

const paymentDrafts = (record: ChangeRecord, item: Item): EventDraft[] => {
  const payment: Payment = paymentOf(item.pk as string, item);
  const previousVersion = record.oldImage ? ((record.oldImage.v as number | undefined) ?? 0) : 0;
  const object = presentPayment(payment);
  return payment.timeline
    .filter((entry) => entry.version > previousVersion)
    .flatMap((entry): EventDraft[] => {
      const type =
        entry.type === 'refund.succeeded'
          ? payment.amountRefunded >= payment.amountReceived
            ? 'payment.refunded'
            : 'payment.partially_refunded'
          : PAYMENT_EVENTS[entry.type];
      if (!type) return [];
      return [{ merchantId: payment.merchantId, type, objectId: payment.id, sequence: entry.version, createdMs: ms(entry.at, Date.parse(payment.updatedAt)), object }];
    });
};

const refundDrafts = (record: ChangeRecord, item: Item): EventDraft[] => {
  const refund = refundOf(item.pk as string, item);
  const before = record.oldImage?.st as string | undefined;
  let type: EventType | undefined;
  if (!record.oldImage) type = 'refund.created';
  if (before !== refund.status && refund.status === 'succeeded') type = 'refund.succeeded';
  if (before !== refund.status && refund.status === 'failed') type = 'refund.failed';
  if (!type) return [];
  const createdMs = type === 'refund.created' ? ms(refund.createdAt, 0) : ms(refund.updatedAt, 0);
  return [{ merchantId: refund.merchantId, type, objectId: refund.id, sequence: refund.version, createdMs, object: presentRefund(refund) }];
};

const PAYOUT_STATUS_EVENTS: Partial<Record<PayoutStatus, EventType>> = {
  in_review: 'payout.in_review',
  processing: 'payout.processing',
  paid: 'payout.paid',
  failed: 'payout.failed',
  returned: 'payout.returned',
  canceled: 'payout.canceled',
};

const payoutDrafts = (record: ChangeRecord, item: Item): EventDraft[] => {
  const payout: Payout = payoutOfItem(item);
  const before = record.oldImage ? payoutOfItem(record.oldImage) : undefined;
  const object = presentPayout(payout);
  const drafts: EventDraft[] = [];
  if (!before) drafts.push({ merchantId: payout.merchantId, type: 'payout.created', objectId: payout.id, sequence: payout.version, createdMs: ms(payout.createdAt, 0), object });
  const type = PAYOUT_STATUS_EVENTS[payout.status];
  if (type && before?.status !== payout.status) {
    drafts.push({ merchantId: payout.merchantId, type, objectId: payout.id, sequence: payout.version, createdMs: ms(payout.updatedAt, ms(payout.createdAt, 0)), object });
  }
  return drafts;
};

const withoutKeys = <T>(item: Item): T => {
  const { pk: _pk, sk: _sk, merchant_type: _type, created_key: _created, ...rest } = item;
  return rest as T;
};

/** Objects without a version of their own: their events' `sequence` is the step they reached (1 created, 2 the next). */
const conversionDrafts = (record: ChangeRecord, item: Item): EventDraft[] => {
  const conversion = withoutKeys<Conversion>(item);
  const before = record.oldImage ? withoutKeys<Conversion>(record.oldImage) : undefined;
  const object = presentConversion(conversion);
  const drafts: EventDraft[] = [];
  if (!before) drafts.push({ merchantId: conversion.merchantId, type: 'conversion.created', objectId: conversion.id, sequence: 1, createdMs: ms(conversion.createdAt, 0), object });
  if (conversion.status === 'completed' && before?.status !== 'completed') {
    drafts.push({ merchantId: conversion.merchantId, type: 'conversion.completed', objectId: conversion.id, sequence: 2, createdMs: ms(conversion.completedAt, ms(conversion.createdAt, 0)), object });
  }
  return drafts;
};

const beneficiaryDrafts = (record: ChangeRecord, item: Item): EventDraft[] => {
  if (record.oldImage) return [];
  const beneficiary = withoutKeys<Beneficiary>(item);
  return [{ merchantId: beneficiary.merchantId, type: 'beneficiary.created', objectId: beneficiary.id, sequence: 1, createdMs: ms(beneficiary.createdAt, 0), object: presentBeneficiary(beneficiary) }];
};

const apiKeyDrafts = (record: ChangeRecord, item: Item): EventDraft[] => {
  const key = withoutKeys<ApiKeySummary & { secretHash?: unknown }>(item);
  const { secretHash: _never, ...summary } = key;
  const merchantId = String(item.pk).slice('merchant#'.length);
  const object = presentApiKey(summary);
  const before = record.oldImage?.status as string | undefined;
  if (!record.oldImage) return [{ merchantId, type: 'api_key.created', objectId: object.id, sequence: 1, createdMs: ms(summary.createdAt, 0), object }];
  if (summary.status === 'revoked' && before !== 'revoked') {
    return [{ merchantId, type: 'api_key.revoked', objectId: object.id, sequence: 2, createdMs: ms(summary.revokedAt, ms(summary.createdAt, 0)), object }];
  }
  return [];
};

type Extractor = (record: ChangeRecord, item: Item) => EventDraft[];

/** Which items of a table make events: by table, a test on the item's keys, and how. */
const SOURCES: Partial<Record<TableKey, readonly { readonly matches: (item: Item) => boolean; readonly extract: Extractor }[]>> = {
  payments: [
    { matches: (item) => item.sk === 'payment', extract: paymentDrafts },
    { matches: (item) => item.sk === 'refund', extract: refundDrafts },
  ],
  payouts: [
    { matches: (item) => item.sk === 'payout', extract: payoutDrafts },
    { matches: (item) => item.sk === 'beneficiary', extract: beneficiaryDrafts },
  ],
  fx: [{ matches: (item) => item.sk === 'conversion', extract: conversionDrafts }],
  // A key as listed to its merchant (`merchant#<id>` / `apikey#<created>#<key>`), not the authorizer's lookup item.
  merchants: [{ matches: (item) => String(item.pk).startsWith('merchant#') && String(item.sk).startsWith('apikey#'), extract: apiKeyDrafts }],
};

/** The tables whose changes make events (each gets a stream subscription: platform/functions.ts `buildEvents`). */
export const EVENT_SOURCE_TABLES = [...(Object.keys(SOURCES) as TableKey[]), 'ledger'] as const satisfies readonly TableKey[];

export const draftsOf = (record: ChangeRecord): EventDraft[] => {
  if (record.eventName === 'REMOVE' || !record.newImage) return [];
  const item = record.newImage;
  const source = SOURCES[record.table]?.find((candidate) => candidate.matches(item));
  return source ? source.extract(record, item) : [];
};

/**
 * Funds becoming available: the journal item of a settlement (the ledger's stream, INSERT of a
 * `payment_settled` transaction; journal items are immutable) makes a `balance_transaction.available` event
 * for each statement line it moved from pending to available, carrying the balance transaction as
 * `GET /v1/balance_transactions` lists it after the change. A settlement's item records only the change
 * (the line's id), so the line is read from its journal: the one event whose object is not in the changed
 * item, hence apart from `draftsOf` and async. A line is pending (sequence 1), then available (2). A line not
 * found yet fails the batch, which the stream retries (the capture that wrote it always comes first).
 */
export const balanceDraftsOf = async (records: readonly ChangeRecord[], lineOf: (id: string) => Promise<StatementLine | undefined>): Promise<EventDraft[]> => {
  const drafts: EventDraft[] = [];
  for (const record of records) {
    const item = record.newImage;
    if (record.table !== 'ledger' || record.eventName !== 'INSERT' || !item || recordTypeOf(item) !== 'transaction' || item.k !== 'payment_settled') continue;
    for (const { transaction } of decodeJournal([item])) {
      for (const change of transaction.lineChanges) {
        if (change.to !== 'available') continue;
        const line = await lineOf(change.lineId);
        if (!line) throw new Error(`the statement line ${change.lineId} that ${transaction.id} settled is not in the journal yet`);
        const availableOn = change.availableOn ?? transaction.createdAt;
        drafts.push({
          merchantId: line.merchantId,
          type: 'balance_transaction.available',
          objectId: line.id,
          sequence: 2,
          createdMs: ms(availableOn, Date.parse(transaction.createdAt)),
          object: presentBalanceTransaction({ ...line, status: 'available', availableOn }),
        });
      }
    }
  }
  return drafts;
};

/**
 * What a stream batch says about authorizations, for the authorization-rate metric and alarm
 * (lib/constructs/service-levels.ts): payments authorized (a new `payment.authorized` entry) and payments that
 * failed without ever being authorized (a new `payment.failed` entry: risk, the issuer or the channel said no,
 * or the authorization never completed). Counted here, once per batch, because every payment change passes
 * through this stream exactly once per mapping: one metric line per batch instead of one per payment.
 */
export const authorizationOutcomesOf = (records: readonly ChangeRecord[]): { readonly authorized: number; readonly failed: number } => {
  let authorized = 0;
  let failed = 0;
  for (const record of records) {
    if (record.table !== 'payments' || record.eventName === 'REMOVE' || record.newImage?.sk !== 'payment') continue;
    const payment = paymentOf(record.newImage.pk as string, record.newImage);
    const previousVersion = record.oldImage ? ((record.oldImage.v as number | undefined) ?? 0) : 0;
    const everAuthorized = payment.timeline.some((entry) => entry.type === 'payment.authorized');
    for (const entry of payment.timeline) {
      if (entry.version <= previousVersion) continue;
      if (entry.type === 'payment.authorized') authorized += 1;
      if (entry.type === 'payment.failed' && !everAuthorized) failed += 1;
    }
  }
  return { authorized, failed };
};
