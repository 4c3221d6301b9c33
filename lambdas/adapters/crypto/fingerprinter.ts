import { createHmac } from 'node:crypto';
import type { KMS } from '@aws-sdk/client-kms';
import type { KmsKeyArn } from './key-arn';

/**
 * Keyed fingerprints of card and bank account numbers (PCI DSS 3.5.1.1: a hash of a PAN must be keyed):
 * recognise the same number twice without decrypting anything, and give nothing to a brute force of the
 * ~10^9 plausible PANs of a BIN without the key.
 *
 * Key design (docs/decisions/0005-envelope-encryption.md): the root is a KMS HMAC_256 multi-Region key
 * that never leaves KMS. Once per cold start the function derives its working key with ONE GenerateMac
 * call over a fixed NIST SP 800-108 (counter mode, HMAC-SHA256 PRF) label; every fingerprint after
 * that is a local HMAC-SHA256. So: zero KMS calls per payment, no plaintext key stored anywhere, the
 * same key in both regions (same key material in the replica), and the only permission needed is
 * kms:GenerateMac on that key: a function that fingerprints cannot decrypt anything.
 */
export interface Fingerprinter {
  /** `v1.` + base64url HMAC-SHA256 of the card number. */
  card(pan: string): Promise<string>;
  /** Over the bank's country and the normalised account identifier (IBAN, or routing code + number). */
  bankAccount(country: string, identifier: string): Promise<string>;
}

/** The version written with each fingerprint: a new label (v2) is a new key, and old fingerprints stay comparable among themselves. */
export const FINGERPRINT_VERSION = 'v1';
const LABEL = 'xborder fingerprint key';
const CONTEXT = `hmac-sha256 ${FINGERPRINT_VERSION}`;

/** SP 800-108 counter-mode input for one 256-bit block: [i]₃₂ ‖ Label ‖ 0x00 ‖ Context ‖ [L]₃₂. */
export const fingerprintKeyDerivationMessage = (): Buffer => {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(1);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(256);
  return Buffer.concat([counter, Buffer.from(LABEL, 'utf8'), Buffer.from([0]), Buffer.from(CONTEXT, 'utf8'), length]);
};

/** Domain-separated HMAC: a card number and an account number never share an input. */
export const fingerprintWith = (key: Uint8Array, domain: 'card' | 'bank-account', ...parts: readonly string[]): string =>
  `${FINGERPRINT_VERSION}.${createHmac('sha256', key).update([domain, ...parts].join('\u0000')).digest('base64url')}`;

export interface KmsFingerprinterOptions {
  readonly key: KmsKeyArn;
  readonly client: Pick<KMS, 'generateMac'>;
}

export class KmsFingerprinter implements Fingerprinter {
  private derived: Promise<Uint8Array> | undefined;

  constructor(private readonly options: KmsFingerprinterOptions) {}

  /** One GenerateMac per instance; concurrent first calls share it, a failed call is retried next time. */
  private workingKey(): Promise<Uint8Array> {
    this.derived ??= this.options.client
      .generateMac({ KeyId: this.options.key.arn, MacAlgorithm: 'HMAC_SHA_256', Message: fingerprintKeyDerivationMessage() })
      .then((answer) => {
        if (!(answer.Mac instanceof Uint8Array) || answer.Mac.length !== 32) throw new Error('KMS GenerateMac returned no 32-byte MAC');
        return answer.Mac;
      })
      .catch((error: unknown) => {
        this.derived = undefined;
        throw error;
      });
    return this.derived;
  }

  async card(pan: string): Promise<string> {
    return fingerprintWith(await this.workingKey(), 'card', pan);
  }

  async bankAccount(country: string, identifier: string): Promise<string> {
    return fingerprintWith(await this.workingKey(), 'bank-account', country.toUpperCase(), identifier.replace(/[\s-]/g, '').toUpperCase());
  }
}
