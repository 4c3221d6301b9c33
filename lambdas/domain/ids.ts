import { createHash, randomBytes } from 'node:crypto';

/**
 * Object ids carry a type prefix (`pay_`, `re_`, `mer_`, `tok_`...). Ids of objects created by a merchant POST
 * are derived from the merchant and its Idempotency-Key, so a retried or crashed create can only ever
 * write the same item (conditional put) and never a second object.
 */
export type IdPrefix = 'pay' | 're' | 'po' | 'qt' | 'cv' | 'ben' | 'mer' | 'evt' | 'key' | 'txn' | 'tok';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

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
  return `${prefix}_${base32(digest, 26)}`;
};

export const randomId = (prefix: IdPrefix, length = 26): string =>
  `${prefix}_${base32(randomBytes(Math.ceil((length * 5) / 8)), length)}`;

export const randomToken = (length: number): string => base32(randomBytes(Math.ceil((length * 5) / 8)), length);
