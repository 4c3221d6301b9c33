import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { KMS } from '@aws-sdk/client-kms';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { EncryptionContextMismatchError, KmsEnvelopeCipher } from '../../../lambdas/adapters/crypto/envelope-cipher';
import { KmsFingerprinter } from '../../../lambdas/adapters/crypto/fingerprinter';
import { parseKmsKeyArn } from '../../../lambdas/adapters/crypto/key-arn';
import { CVC_HOLD_SECONDS, DynamoDbVault } from '../../../lambdas/adapters/dynamodb/vault';
import { ResourceNotFoundError } from '../../../lambdas/domain/errors';
import { VaultConflictError } from '../../../lambdas/ports/card-vault';
import { kmsClient } from '../../../lambdas/shared/clients';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';

/**
 * The vault against DynamoDB Local and the local KMS over real HTTP, through the SDK's KMS client and
 * the Encryption SDK: what is stored, who can read it back, in which region, and what it costs in KMS
 * requests.
 */
const visa = { number: '4242424242424242', exp_month: 12, exp_year: 2030 };
const mastercard = { number: '5555555555554444', exp_month: 3, exp_year: 2031 };
const CVC = '8531';

let db: IsolatedDynamoDb;
let local: TestKms;

const vaultIn = (region: string = deployment.primaryRegion, now?: () => Date) => {
  const dataKey = parseKmsKeyArn(local.kms.keyArn('data', region));
  const fingerprintKey = parseKmsKeyArn(local.kms.keyArn('fingerprint', region));
  return new DynamoDbVault({
    client: db.documentClient,
    tableName: tableName('vault'),
    cipher: new KmsEnvelopeCipher({ key: dataKey, client: kmsClient(region) }),
    fingerprints: new KmsFingerprinter({ key: fingerprintKey, client: kmsClient(region) }),
    now,
  });
};

const scanVault = async () => (await db.documentClient.send(new ScanCommand({ TableName: tableName('vault') }))).Items ?? [];
const getItem = async (pk: string, sk: string) =>
  (await db.documentClient.send(new GetCommand({ TableName: tableName('vault'), Key: { pk, sk }, ConsistentRead: true }))).Item;

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  local = await useLocalKms();
});

afterAll(() => local.stop());

describe('cards', () => {
  it('stores a card as a token and reveals it to the same merchant', async () => {
    const vault = vaultIn();
    const vaulted = await vault.storeCard({ merchantId: 'mer_a', reference: 'pay_round_trip', card: visa });
    expect(vaulted).toEqual({
      token: expect.stringMatching(/^tok_[a-z2-7]{26}$/),
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2030,
      fingerprint: expect.stringMatching(/^v1\./),
    });
    await expect(vault.revealCard(vaulted.token, 'mer_a')).resolves.toEqual({ token: vaulted.token, ...visa });
  });

  it('is idempotent per reference: a retried store gives the same token; another card under it is a conflict', async () => {
    const vault = vaultIn();
    const first = await vault.storeCard({ merchantId: 'mer_a', reference: 'pay_retry', card: visa });
    await expect(vaultIn().storeCard({ merchantId: 'mer_a', reference: 'pay_retry', card: visa })).resolves.toEqual(first);
    await expect(vault.storeCard({ merchantId: 'mer_a', reference: 'pay_retry', card: mastercard })).rejects.toBeInstanceOf(VaultConflictError);
    await expect(vault.storeCard({ merchantId: 'mer_a', reference: 'pay_retry', card: { ...visa, exp_year: 2031 } })).rejects.toBeInstanceOf(VaultConflictError);
    await expect(vault.revealCard(first.token, 'mer_a')).resolves.toMatchObject(visa);
  });

  it('recognises the same card in two payments by fingerprint, without decrypting', async () => {
    const vault = vaultIn();
    const one = await vault.storeCard({ merchantId: 'mer_a', reference: 'pay_fp_1', card: visa });
    const two = await vault.storeCard({ merchantId: 'mer_b', reference: 'pay_fp_2', card: visa });
    const other = await vault.storeCard({ merchantId: 'mer_a', reference: 'pay_fp_3', card: mastercard });
    expect(two.token).not.toBe(one.token);
    expect(two.fingerprint).toBe(one.fingerprint);
    expect(other.fingerprint).not.toBe(one.fingerprint);
  });

  it('refuses another merchant\'s token as not found', async () => {
    const vault = vaultIn();
    const { token } = await vault.storeCard({ merchantId: 'mer_a', reference: 'pay_foreign', card: visa });
    await expect(vault.revealCard(token, 'mer_b')).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(vault.revealCard('tok_doesnotexist', 'mer_a')).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('refuses a ciphertext moved to another merchant\'s or another card\'s item (encryption context checked)', async () => {
    const vault = vaultIn();
    const victim = await vault.storeCard({ merchantId: 'mer_a', reference: 'pay_victim', card: visa });
    const mine = await vault.storeCard({ merchantId: 'mer_b', reference: 'pay_attacker', card: mastercard });
    const sibling = await vault.storeCard({ merchantId: 'mer_a', reference: 'pay_sibling', card: mastercard });
    const stolen = (await getItem(victim.token, 'card'))?.ciphertext as Uint8Array;
    for (const [token, merchantId] of [
      [mine.token, 'mer_b'],
      [sibling.token, 'mer_a'],
    ] as const) {
      const item = await getItem(token, 'card');
      await db.documentClient.send(new PutCommand({ TableName: tableName('vault'), Item: { ...item, ciphertext: stolen } }));
      await expect(vault.revealCard(token, merchantId)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    }
  });

  it('decrypts in the secondary region with the replica key ARN (same mrk- id, other region)', async () => {
    const { token } = await vaultIn(deployment.primaryRegion).storeCard({ merchantId: 'mer_a', reference: 'pay_cross_region', card: visa });
    const replicaArn = local.kms.keyArn('data', deployment.secondaryRegion);
    expect(parseKmsKeyArn(replicaArn)).toMatchObject({ region: deployment.secondaryRegion, keyId: parseKmsKeyArn(local.kms.keyArn('data')).keyId });
    await expect(vaultIn(deployment.secondaryRegion).revealCard(token, 'mer_a')).resolves.toEqual({ token, ...visa });
  });

  it('gets InvalidCiphertextException from KMS for a data key asked back under another encryption context', async () => {
    const kms = new KMS({ region: deployment.primaryRegion });
    const context = { merchant_id: 'mer_a', purpose: 'card' };
    const { CiphertextBlob } = await kms.generateDataKey({ KeyId: local.kms.keyArn('data'), KeySpec: 'AES_256', EncryptionContext: context });
    await expect(kms.decrypt({ CiphertextBlob, EncryptionContext: context })).resolves.toMatchObject({ KeyId: local.kms.keyArn('data') });
    await expect(kms.decrypt({ CiphertextBlob, EncryptionContext: { ...context, merchant_id: 'mer_b' } })).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
  });
});

describe('CVC', () => {
  it('is handed out once, and its ciphertext is gone from the table afterwards', async () => {
    const vault = vaultIn();
    await vault.holdCvc({ merchantId: 'mer_a', paymentId: 'pay_cvc_once', cvc: CVC });
    expect((await getItem('pay_cvc_once', 'cvc'))?.ciphertext).toBeInstanceOf(Uint8Array);
    await expect(vault.takeCvc('pay_cvc_once', 'mer_b')).resolves.toBeUndefined();
    await expect(vault.takeCvc('pay_cvc_once', 'mer_a')).resolves.toBe(CVC);
    const tombstone = await getItem('pay_cvc_once', 'cvc');
    expect(tombstone).toMatchObject({ taken_at: expect.any(String), expires_at: expect.any(Number) });
    expect(tombstone).not.toHaveProperty('ciphertext');
    await expect(vault.takeCvc('pay_cvc_once', 'mer_a')).resolves.toBeUndefined();
  });

  it('is not held again by a retried create after it was taken', async () => {
    const vault = vaultIn();
    await vault.holdCvc({ merchantId: 'mer_a', paymentId: 'pay_cvc_retry', cvc: CVC });
    await vault.takeCvc('pay_cvc_retry', 'mer_a');
    await vault.holdCvc({ merchantId: 'mer_a', paymentId: 'pay_cvc_retry', cvc: CVC });
    expect(await getItem('pay_cvc_retry', 'cvc')).not.toHaveProperty('ciphertext');
  });

  it('expires by TTL: the item carries expires_at, and past it the CVC is neither handed out nor kept', async () => {
    const heldAt = new Date('2026-11-21T12:00:00Z');
    await vaultIn(deployment.primaryRegion, () => heldAt).holdCvc({ merchantId: 'mer_a', paymentId: 'pay_cvc_ttl', cvc: CVC });
    expect((await getItem('pay_cvc_ttl', 'cvc'))?.expires_at).toBe(heldAt.getTime() / 1000 + CVC_HOLD_SECONDS);
    const ttl = await db.client.send(new DescribeTimeToLiveCommand({ TableName: tableName('vault') }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expires_at', TimeToLiveStatus: 'ENABLED' });

    const afterExpiry = new Date(heldAt.getTime() + (CVC_HOLD_SECONDS + 1) * 1000);
    await expect(vaultIn(deployment.primaryRegion, () => afterExpiry).takeCvc('pay_cvc_ttl', 'mer_a')).resolves.toBeUndefined();
    expect(await getItem('pay_cvc_ttl', 'cvc')).not.toHaveProperty('ciphertext');
  });

  it('is discarded when the saga ends before authorizing', async () => {
    const vault = vaultIn();
    await vault.holdCvc({ merchantId: 'mer_a', paymentId: 'pay_cvc_discard', cvc: CVC });
    await vault.discardCvc('pay_cvc_discard', 'mer_a');
    await expect(vault.takeCvc('pay_cvc_discard', 'mer_a')).resolves.toBeUndefined();
    expect(await getItem('pay_cvc_discard', 'cvc')).not.toHaveProperty('ciphertext');
  });
});

describe('bank accounts', () => {
  const iban = { holderName: 'Ana Souza', country: 'GB', currency: 'GBP', iban: 'GB33BUKB20201555555555', bic: 'BUKBGB22' };
  const local_ = { holderName: 'Sam Lee', country: 'US', currency: 'USD', accountNumber: '000123456789', routingCode: '021000021' };

  it('stores and reveals IBAN and local account details, merchant-scoped and idempotent', async () => {
    const vault = vaultIn();
    const stored = await vault.storeBankAccount({ merchantId: 'mer_a', reference: 'ben_1', account: iban });
    expect(stored).toEqual({ token: expect.stringMatching(/^tok_/), country: 'GB', currency: 'GBP', last4: '5555', fingerprint: expect.stringMatching(/^v1\./) });
    await expect(vault.revealBankAccount(stored.token, 'mer_a')).resolves.toEqual({ ...iban, token: stored.token });
    await expect(vault.storeBankAccount({ merchantId: 'mer_a', reference: 'ben_1', account: iban })).resolves.toEqual(stored);
    await expect(vault.storeBankAccount({ merchantId: 'mer_a', reference: 'ben_1', account: local_ })).rejects.toBeInstanceOf(VaultConflictError);
    await expect(vault.revealBankAccount(stored.token, 'mer_b')).rejects.toBeInstanceOf(ResourceNotFoundError);
    const us = await vault.storeBankAccount({ merchantId: 'mer_a', reference: 'ben_2', account: local_ });
    expect(us.last4).toBe('6789');
    await expect(vaultIn(deployment.secondaryRegion).revealBankAccount(us.token, 'mer_a')).resolves.toMatchObject(local_);
  });

  it('does not reveal a card token as a bank account', async () => {
    const vault = vaultIn();
    const { token } = await vault.storeCard({ merchantId: 'mer_a', reference: 'pay_kind', card: visa });
    await expect(vault.revealBankAccount(token, 'mer_a')).rejects.toBeInstanceOf(ResourceNotFoundError);
  });
});

describe('what the table holds', () => {
  it('holds no card number, CVC or account number in any attribute, in clear or as bytes', async () => {
    const vault = vaultIn();
    await vault.storeCard({ merchantId: 'mer_scan', reference: 'pay_scan_1', card: visa });
    await vault.storeCard({ merchantId: 'mer_scan', reference: 'pay_scan_2', card: mastercard });
    await vault.holdCvc({ merchantId: 'mer_scan', paymentId: 'pay_scan_1', cvc: CVC });
    await vault.storeBankAccount({
      merchantId: 'mer_scan',
      reference: 'ben_scan',
      account: { holderName: 'Sam Lee', country: 'US', currency: 'USD', accountNumber: '000123456789', routingCode: '021000021' },
    });
    const items = await scanVault();
    expect(items.some((item) => item.sk === 'cvc' && item.ciphertext)).toBe(true);
    const secrets = [visa.number, mastercard.number, CVC, '000123456789', 'Sam Lee'];
    for (const item of items) {
      for (const value of Object.values(item)) {
        const bytes = value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value), 'utf8');
        for (const secret of secrets) expect(bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
      }
    }
  });
});

describe('KMS requests', () => {
  it('stays near zero per card: one GenerateDataKey per merchant and purpose, one Decrypt per data key, one GenerateMac per instance', async () => {
    local.kms.resetCounts();
    const writer = vaultIn();
    const tokens: string[] = [];
    for (let index = 0; index < 100; index += 1) {
      const paymentId = `pay_count_${index}`;
      tokens.push((await writer.storeCard({ merchantId: 'mer_count', reference: paymentId, card: visa })).token);
      await writer.holdCvc({ merchantId: 'mer_count', paymentId, cvc: CVC });
    }
    expect(local.kms.requestCounts).toMatchObject({ GenerateDataKey: 2, GenerateMac: 1, Decrypt: 0, Encrypt: 0 });

    const authorizer = vaultIn();
    for (const [index, token] of tokens.entries()) {
      await authorizer.revealCard(token, 'mer_count');
      await expect(authorizer.takeCvc(`pay_count_${index}`, 'mer_count')).resolves.toBe(CVC);
    }
    expect(local.kms.requestCounts).toMatchObject({ GenerateDataKey: 2, GenerateMac: 1, Decrypt: 2, Encrypt: 0 });
  }, 60_000);
});
