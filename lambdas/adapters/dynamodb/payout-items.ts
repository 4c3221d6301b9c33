import type { Payout, PayoutHistoryEntry, PayoutStatus } from '../../domain/payouts/payout';
import { bytesToHex, hexToBytes, present } from './payment-items';

/**
 * How a payout is stored: its own attribute names (the API, the sweeper and the events read the domain
 * object, never the item), but nothing stored that is null or empty, the request fingerprint as 32 bytes and
 * each history entry as one short string (`<status> <epoch ms in base 36>`). DynamoDB bills a write per started
 * KB and stores every attribute name with every item (the id is the partition key, not stored twice): a
 * converted payout was 1,058-1,097 bytes stored whole from its submission on, so each of those writes cost two
 * units (and two in each replica region); stored this way it is 859-892, and 1,017 returned with the bank's
 * reason (test/unit/adapters/payout-items.test.ts). Items written before (nulls, map entries, hex) read the same.
 */
type Item = Record<string, unknown>;

/** The fields a payout may hold as null: absent from the item, null again when read. */
const NULLABLE = [
  'quoteId',
  'description',
  'review',
  'railReference',
  'failure',
  'submittedAt',
  'paidAt',
  'returnedAt',
  'canceledAt',
  'screenedAt',
  'railStatus',
  'waiting',
  'inFlightSince',
  'attention',
] as const satisfies readonly (keyof Payout)[];

/** A time written by `toISOString` travels as epoch ms in base 36 (8 characters, never all digits: see payment-items.ts); anything else as it is. */
const encodeHistoryEntry = (entry: PayoutHistoryEntry): string | PayoutHistoryEntry => {
  const ms = Date.parse(entry.at);
  return Number.isFinite(ms) && new Date(ms).toISOString() === entry.at ? `${entry.status} ${ms.toString(36)}` : entry;
};

const decodeHistoryEntry = (stored: unknown): PayoutHistoryEntry => {
  if (typeof stored !== 'string') return stored as PayoutHistoryEntry;
  const [status, at] = stored.split(' ');
  return { status: status as PayoutStatus, at: new Date(Number.parseInt(at as string, 36)).toISOString() };
};

/** The payout's own attributes (keys, index and recovery markers are the repository's). */
export const payoutAttributes = ({ id: _id, ...payout }: Payout): Item =>
  present({
    ...payout,
    requestFingerprint: hexToBytes(payout.requestFingerprint),
    history: payout.history.map(encodeHistoryEntry),
  });

/** The payout `id` (its item's partition key) of an item's own attributes (keys and markers already taken out). */
export const payoutOfAttributes = (id: string, item: Item): Payout =>
  ({
    id,
    ...Object.fromEntries(NULLABLE.map((field) => [field, null])),
    metadata: {},
    ...item,
    requestFingerprint: bytesToHex(item.requestFingerprint),
    history: ((item.history ?? []) as readonly unknown[]).map(decodeHistoryEntry),
  }) as unknown as Payout;
