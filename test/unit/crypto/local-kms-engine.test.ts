import { LocalKmsEngine } from '../../../local/kms/engine';
import { newKeySet } from '../../../local/kms/key-store';
import { deployment } from '../../../platform/deployment';
import { kmsKeys } from '../../../platform/keys';

/** The local KMS answers as KMS does, for the operations the Encryption SDK and the vault use. */
const primary = deployment.primaryRegion;
const secondary = deployment.secondaryRegion;

const setup = () => {
  const engine = new LocalKmsEngine(newKeySet());
  return { engine, data: engine.arnForAlias(kmsKeys.data.alias, primary), mac: engine.arnForAlias(kmsKeys.fingerprint.alias, primary) };
};

const errorName = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as Error).name;
  }
};

describe('LocalKmsEngine', () => {
  it('binds a blob to its encryption context: any other context is InvalidCiphertextException', () => {
    const { engine, data } = setup();
    const context = { merchant_id: 'mer_a', purpose: 'card' };
    const { CiphertextBlob, Plaintext } = engine.generateDataKey(primary, { KeyId: data, NumberOfBytes: 32, EncryptionContext: context });
    expect(engine.decrypt(primary, { CiphertextBlob, EncryptionContext: { purpose: 'card', merchant_id: 'mer_a' } }).Plaintext).toEqual(Plaintext);
    expect(errorName(() => engine.decrypt(primary, { CiphertextBlob, EncryptionContext: { ...context, merchant_id: 'mer_b' } }))).toBe('InvalidCiphertextException');
    expect(errorName(() => engine.decrypt(primary, { CiphertextBlob, EncryptionContext: { merchant_id: 'mer_a' } }))).toBe('InvalidCiphertextException');
    expect(errorName(() => engine.decrypt(primary, { CiphertextBlob }))).toBe('InvalidCiphertextException');
  });

  it('refuses a tampered or foreign blob with InvalidCiphertextException', () => {
    const { engine, data } = setup();
    const { CiphertextBlob } = engine.encrypt(primary, { KeyId: data, Plaintext: Buffer.from('secret') });
    const tampered = Buffer.from(CiphertextBlob);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(errorName(() => engine.decrypt(primary, { CiphertextBlob: tampered }))).toBe('InvalidCiphertextException');
    expect(errorName(() => engine.decrypt(primary, { CiphertextBlob: Buffer.from('not a blob at all, really') }))).toBe('InvalidCiphertextException');
  });

  it('decrypts a primary-region blob in the secondary region and names the replica ARN', () => {
    const { engine, data } = setup();
    const { CiphertextBlob } = engine.encrypt(primary, { KeyId: data, Plaintext: Buffer.from('secret') });
    const replica = engine.arnForAlias(kmsKeys.data.alias, secondary);
    expect(replica).toBe(data.replace(`:${primary}:`, `:${secondary}:`));
    const answer = engine.decrypt(secondary, { CiphertextBlob, KeyId: replica });
    expect(answer.KeyId).toBe(replica);
    expect(answer.Plaintext.toString()).toBe('secret');
  });

  it('refuses an ARN of another region (NotFoundException) and a KeyId that is not the blob\'s key (IncorrectKeyException)', () => {
    const { engine, data, mac } = setup();
    const { CiphertextBlob } = engine.encrypt(primary, { KeyId: data, Plaintext: Buffer.from('secret') });
    expect(errorName(() => engine.decrypt(secondary, { CiphertextBlob, KeyId: data }))).toBe('NotFoundException');
    expect(errorName(() => engine.decrypt(primary, { CiphertextBlob, KeyId: mac }))).toBe('IncorrectKeyException');
    expect(errorName(() => engine.describeKey('eu-west-1', { KeyId: 'alias/xborder-data' }))).toBe('NotFoundException');
  });

  it('keeps key usages apart', () => {
    const { engine, data, mac } = setup();
    expect(errorName(() => engine.generateDataKey(primary, { KeyId: mac, NumberOfBytes: 32 }))).toBe('InvalidKeyUsageException');
    expect(errorName(() => engine.generateMac(primary, { KeyId: data, Message: Buffer.from('x'), MacAlgorithm: 'HMAC_SHA_256' }))).toBe('InvalidKeyUsageException');
  });

  it('computes the same MAC in both regions and verifies it; a wrong MAC is KMSInvalidMacException', () => {
    const { engine, mac } = setup();
    const message = Buffer.from('label');
    const first = engine.generateMac(primary, { KeyId: mac, Message: message, MacAlgorithm: 'HMAC_SHA_256' }).Mac;
    const replica = engine.arnForAlias(kmsKeys.fingerprint.alias, secondary);
    expect(engine.generateMac(secondary, { KeyId: replica, Message: message, MacAlgorithm: 'HMAC_SHA_256' }).Mac).toEqual(first);
    expect(engine.verifyMac(primary, { KeyId: mac, Message: message, Mac: first, MacAlgorithm: 'HMAC_SHA_256' }).MacValid).toBe(true);
    expect(errorName(() => engine.verifyMac(primary, { KeyId: mac, Message: Buffer.from('other'), Mac: first, MacAlgorithm: 'HMAC_SHA_256' }))).toBe(
      'KMSInvalidMacException',
    );
  });

  it('describes a multi-Region key: primary in one region, replica in the other', () => {
    const { engine } = setup();
    const inPrimary = engine.describeKey(primary, { KeyId: kmsKeys.data.alias }).KeyMetadata;
    const inSecondary = engine.describeKey(secondary, { KeyId: inPrimary.KeyId }).KeyMetadata;
    expect(inPrimary).toMatchObject({ MultiRegion: true, KeySpec: 'SYMMETRIC_DEFAULT', MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY' } });
    expect(inSecondary.MultiRegionConfiguration.MultiRegionKeyType).toBe('REPLICA');
    expect(inPrimary.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
  });
});
