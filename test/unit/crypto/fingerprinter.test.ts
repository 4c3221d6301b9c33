import { createHash } from 'node:crypto';
import type { KMS } from '@aws-sdk/client-kms';
import { KmsFingerprinter } from '../../../lambdas/adapters/crypto/fingerprinter';
import { parseKmsKeyArn } from '../../../lambdas/adapters/crypto/key-arn';
import { deployment } from '../../../platform/deployment';
import { kmsKeys } from '../../../platform/keys';
import { inMemoryKms } from '../../support/kms';

/** Keyed fingerprints: stable per key, unlinkable without it, one KMS call per instance. */
const fingerprinter = (kms = inMemoryKms(), region: string = deployment.primaryRegion) =>
  new KmsFingerprinter({ key: parseKmsKeyArn(kms.engine.arnForAlias(kmsKeys.fingerprint.alias, region)), client: kms.client(region) });

describe('KmsFingerprinter', () => {
  it('recognises the same card number and tells different ones apart', async () => {
    const fingerprints = fingerprinter();
    const first = await fingerprints.card('4242424242424242');
    expect(first).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
    await expect(fingerprints.card('4242424242424242')).resolves.toBe(first);
    await expect(fingerprints.card('4000056655665556')).resolves.not.toBe(first);
  });

  it('is keyed: not the plain SHA-256 of the number, and another key gives another fingerprint', async () => {
    const pan = '4242424242424242';
    const ours = await fingerprinter().card(pan);
    expect(ours).not.toContain(createHash('sha256').update(pan).digest('base64url'));
    await expect(fingerprinter().card(pan)).resolves.not.toBe(ours);
  });

  it('derives the same key in another instance and in the other region (same multi-Region key material)', async () => {
    const kms = inMemoryKms();
    const pan = '5555555555554444';
    const primary = await fingerprinter(kms).card(pan);
    await expect(fingerprinter(kms).card(pan)).resolves.toBe(primary);
    await expect(fingerprinter(kms, deployment.secondaryRegion).card(pan)).resolves.toBe(primary);
  });

  it('costs one GenerateMac per instance, shared by concurrent first calls', async () => {
    const kms = inMemoryKms();
    const fingerprints = fingerprinter(kms);
    await Promise.all(Array.from({ length: 20 }, (_, index) => fingerprints.card(`42424242424242${String(index).padStart(2, '0')}`)));
    for (let index = 0; index < 100; index += 1) await fingerprints.bankAccount('GB', `GB33BUKB2020155555555${index}`);
    expect(kms.engine.requestCounts.GenerateMac).toBe(1);
  });

  it('separates domains and normalises account identifiers', async () => {
    const fingerprints = fingerprinter();
    const digits = '12345678901234';
    await expect(fingerprints.bankAccount('us', digits)).resolves.not.toBe(await fingerprints.card(digits));
    await expect(fingerprints.bankAccount('gb', 'GB33 BUKB 2020 1555 5555 55')).resolves.toBe(await fingerprints.bankAccount('GB', 'gb33bukb20201555555555'));
  });

  it('retries the derivation after a failed KMS call', async () => {
    const kms = inMemoryKms();
    const real = kms.client();
    let failures = 1;
    const flaky = {
      generateMac: async (input: Parameters<KMS['generateMac']>[0]) => {
        if (failures-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return real.generateMac(input);
      },
    } as unknown as Pick<KMS, 'generateMac'>;
    const fingerprints = new KmsFingerprinter({ key: parseKmsKeyArn(kms.engine.arnForAlias(kmsKeys.fingerprint.alias, deployment.primaryRegion)), client: flaky });
    await expect(fingerprints.card('4242424242424242')).rejects.toThrow('Rate exceeded');
    await expect(fingerprints.card('4242424242424242')).resolves.toMatch(/^v1\./);
  });
});
