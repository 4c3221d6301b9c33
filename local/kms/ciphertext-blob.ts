import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The local KMS ciphertext blob: opaque to callers, as KMS's is, and real AES-256-GCM.
 *
 *   offset  size  field
 *   0       4     magic "XKMS"
 *   4       1     format version (1)
 *   5       1     key id length n
 *   6       n     key id (ASCII, `mrk-...`): like KMS, the blob names its key, so Decrypt needs no KeyId
 *   6+n     12    IV (random)
 *   18+n    16    GCM tag
 *   34+n    ...   ciphertext
 *
 * The additional authenticated data is the header (bytes 0 to 6+n) followed by the canonical encoding
 * of the encryption context, so a blob decrypts only under the exact context it was made with: a
 * different, missing or extra pair fails authentication, which the server reports as KMS does
 * (InvalidCiphertextException).
 */
const MAGIC = Buffer.from('XKMS', 'ascii');
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class MalformedBlobError extends Error {
  override readonly name = 'MalformedBlobError';
}

export class BlobAuthenticationError extends Error {
  override readonly name = 'BlobAuthenticationError';
}

const u16 = (value: number): Buffer => {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
};

/** Pairs sorted by key (code unit order), each key and value length-prefixed: unambiguous and order-free. */
export const canonicalEncryptionContext = (context: Readonly<Record<string, string>>): Buffer => {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: Buffer[] = [u16(entries.length)];
  for (const [key, value] of entries) {
    const keyBytes = Buffer.from(key, 'utf8');
    const valueBytes = Buffer.from(value, 'utf8');
    parts.push(u16(keyBytes.length), keyBytes, u16(valueBytes.length), valueBytes);
  }
  return Buffer.concat(parts);
};

const header = (keyId: string): Buffer => {
  const id = Buffer.from(keyId, 'ascii');
  if (id.length === 0 || id.length > 255) throw new Error('key id must be 1 to 255 ASCII characters');
  return Buffer.concat([MAGIC, Buffer.from([VERSION, id.length]), id]);
};

export const sealBlob = (
  keyId: string,
  material: Buffer,
  plaintext: Uint8Array,
  context: Readonly<Record<string, string>>,
): Buffer => {
  const head = header(keyId);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(Buffer.concat([head, canonicalEncryptionContext(context)]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([head, iv, cipher.getAuthTag(), ciphertext]);
};

/** The key id a blob names, without decrypting it; MalformedBlobError when it is not one of ours. */
export const blobKeyId = (blob: Uint8Array): string => {
  const bytes = Buffer.from(blob);
  if (bytes.length < 6 || !bytes.subarray(0, 4).equals(MAGIC) || bytes[4] !== VERSION) {
    throw new MalformedBlobError('not a local KMS ciphertext blob');
  }
  const idLength = bytes[5] ?? 0;
  if (idLength === 0 || bytes.length < 6 + idLength + IV_BYTES + TAG_BYTES) throw new MalformedBlobError('truncated blob');
  return bytes.subarray(6, 6 + idLength).toString('ascii');
};

export const openBlob = (blob: Uint8Array, material: Buffer, context: Readonly<Record<string, string>>): Buffer => {
  const keyId = blobKeyId(blob);
  const bytes = Buffer.from(blob);
  const headLength = 6 + keyId.length;
  const iv = bytes.subarray(headLength, headLength + IV_BYTES);
  const tag = bytes.subarray(headLength + IV_BYTES, headLength + IV_BYTES + TAG_BYTES);
  const ciphertext = bytes.subarray(headLength + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', material, iv);
  decipher.setAAD(Buffer.concat([bytes.subarray(0, headLength), canonicalEncryptionContext(context)]));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (error) {
    throw new BlobAuthenticationError('ciphertext or encryption context does not authenticate', { cause: error });
  }
};
