import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Public JSON (the API's objects, as events and audit snapshots carry them) deflated with a preset dictionary
 * of the public objects' field names and common values: stored items that repeat most of their bytes shrink
 * below DynamoDB's 1 KB write step. Version 1, below, is never changed once written: a new dictionary gets a
 * new version, stored beside each value it compressed (`zv`), and the old ones stay readable.
 * Used by the events table's pages (event-store.ts) and the audit log's snapshots (audit-log.ts).
 */
const PUBLIC_JSON_DICTIONARY_V1 = Buffer.from(
  [
    '"id":"pay_","object":"payment","status":"processing","amount":,"currency":"USD","EUR","BRL","GBP","JPY","CAD","MXN",',
    '"amount_capturable":0,"amount_received":0,"amount_refunded":0,"capture_method":"automatic","manual",',
    '"payment_method":{"type":"card","brand":"visa","mastercard","last4":"4242","exp_month":12,"exp_year":20',
    '"failure_code":null,"failure_message":null,"cancellation_reason":null,"description":null,"metadata":{},',
    '"created_at":"20","livemode":false}},"requires_capture","succeeded","failed","canceled",',
    '{"id":"re_","object":"refund","payment_id":"pay_","reason":null,"requested_by_customer",',
    '{"id":"txn_","object":"balance_transaction","type":"payment","source":"pay_","fee":,"net":,"available_on":"20","description":"Payment pay_ captured",',
    '{"id":"cv_","object":"conversion","quote_id":"qt_","sell_currency":"","sell_amount":,"buy_currency":"","buy_amount":,"rate":"0.","completed_at":"20',
    '{"id":"po_","object":"payout","source_amount":,"source_currency":"","beneficiary_id":"ben_","rail":"ach","sepa","swift","eft_ca","pix","spei",',
    '"reference":"","submitted_at":null,"paid_at":null,"returned_at":null,"canceled_at":null,"pending","in_review","paid","returned",',
    '{"id":"ben_","object":"beneficiary","name":"","entity_type":"company","individual","country":"","bank_account":{"rail":"","bank_country":"",',
    '{"id":"key_","object":"api_key","redacted_key":"sk_test_","_********","revoked_at":null,"active","revoked",',
    '[{"type":"payment.created","objectId":"pay_","sequence":1,"createdMs":17,"object":',
    '{"type":"payment.succeeded","objectId":"pay_","sequence":,"createdMs":17,"object":{"id":"pay_","object":"payment","status":"succeeded","amount":',
  ].join(''),
  'utf8',
);
const DICTIONARIES: Readonly<Record<number, Buffer>> = { 1: PUBLIC_JSON_DICTIONARY_V1 };
/** The dictionary new values are compressed with. */
export const PUBLIC_JSON_DICTIONARY = 1;

export const compressPublicJson = (value: unknown): Uint8Array =>
  Uint8Array.from(deflateRawSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 9, dictionary: DICTIONARIES[PUBLIC_JSON_DICTIONARY] }));

export const decompressPublicJson = (bytes: Uint8Array, dictionary: number): unknown => {
  const preset = DICTIONARIES[dictionary];
  if (!preset) throw new Error(`Unknown public JSON dictionary ${dictionary}`);
  return JSON.parse(inflateRawSync(bytes, { dictionary: preset }).toString('utf8')) as unknown;
};
