import { createHash, randomBytes } from 'node:crypto';

/**
 * Object ids carry a type prefix (`pay_`, `re_`, `mer_`, `tok_`...). Ids of objects created by a merchant POST
 * are derived from the merchant and its Idempotency-Key, so a retried or crashed create can only ever
 * write the same item (conditional put) and never a second object.
 */
export type IdPrefix = 'pay' | 're' | 'po' | 'qt' | 'cv' | 'ben' | 'mer' | 'evt' | 'key' | 'txn' | 'tok' | 'we' | 'brk' | 'stlr';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Characters of a derived or random id after its prefix. */
export const ID_LENGTH = 26;

const base32 = (bytes: Uint8Array, length: number): string => {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
};

/** 26 base32 characters = 130 bits of a SHA-256 over the parts: collision-free in practice. */
export const deriveId = (prefix: IdPrefix, ...parts: readonly string[]): string => {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return `${prefix}_${base32(digest, ID_LENGTH)}`;
};

export const randomId = (prefix: IdPrefix, length = ID_LENGTH): string =>
  `${prefix}_${base32(randomBytes(Math.ceil((length * 5) / 8)), length)}`;

export const randomToken = (length: number): string => base32(randomBytes(Math.ceil((length * 5) / 8)), length);

/**
 * The exact shape of every id a request can name (in a path, a body or a query), declared once. The HTTP
 * schemas (lambdas/shared/http/schemas.ts) and the route declarations (platform/routes.ts) are derived
 * from it, so an id of the wrong shape is refused at the edge and never reaches a table: DynamoDB refuses
 * key values over 2,048 bytes (1,024 for a sort key) with a ValidationException, which is how a long id
 * used to answer 500.
 */
export interface IdShape {
  readonly pattern: RegExp;
  /** What a merchant should send, completing "must be ...". */
  readonly description: string;
  /** A well-shaped example (docs, tests and the malformed-input drill build on it). */
  readonly example: string;
}

const derived = (prefix: IdPrefix, object: string): IdShape => ({
  pattern: new RegExp(`^${prefix}_[a-z2-7]{${ID_LENGTH}}$`),
  description: `${object} id: "${prefix}_" and ${ID_LENGTH} characters a-z or 2-7`,
  example: `${prefix}_${'a'.repeat(ID_LENGTH)}`,
});

/** `key_` + the 16-character key id that is also the lookup prefix inside the secret (domain/api-key.ts). */
export const API_KEY_ID_LENGTH = 16;

export const idShapes = {
  payment: derived('pay', 'a payment'),
  refund: derived('re', 'a refund'),
  payout: derived('po', 'a payout'),
  fx_quote: derived('qt', 'an FX quote'),
  conversion: derived('cv', 'a conversion'),
  beneficiary: derived('ben', 'a beneficiary'),
  /** Statement lines: a ledger transaction's id, or one of its extra lines' (domain/ledger/transaction.ts). */
  balance_transaction: derived('txn', 'a balance transaction'),
  /** Events carry their page's location (domain/events.ts `eventId`); the shape is a derived id's. */
  event: derived('evt', 'an event'),
  webhook_endpoint: derived('we', 'a webhook endpoint'),
  /** A reconciliation break (domain/reconciliation/matching.ts `breakId`). */
  reconciliation_break: derived('brk', 'a reconciliation break'),
  api_key: {
    pattern: new RegExp(`^key_[a-z2-7]{${API_KEY_ID_LENGTH}}$`),
    description: `an API key id: "key_" and ${API_KEY_ID_LENGTH} characters a-z or 2-7`,
    example: `key_${'a'.repeat(API_KEY_ID_LENGTH)}`,
  },
  /** Random (`mer_` + 16 base32) or chosen at onboarding (`mer_demo_pixelforge`). */
  merchant: {
    pattern: /^mer_[a-z0-9_]{4,60}$/,
    description: 'a merchant id: "mer_" and 4 to 60 lower-case letters, digits or underscores',
    example: 'mer_example',
  },
  /** `<region>.<stripe>.<sequence>` (domain/audit.ts): the chain and position of an entry. */
  audit_entry: {
    pattern: /^[a-z0-9-]{1,32}\.\d{1,3}\.\d{1,15}$/,
    description: 'an audit entry id: "<region>.<stripe>.<sequence>", such as "us-east-1.3.42"',
    example: 'us-east-1.0.1',
  },
} as const satisfies Record<string, IdShape>;

export type IdKind = keyof typeof idShapes;

export const idKinds = Object.keys(idShapes) as IdKind[];

export const isIdOf = (kind: IdKind, value: unknown): value is string => typeof value === 'string' && idShapes[kind].pattern.test(value);
