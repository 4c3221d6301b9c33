import { KMS } from '@aws-sdk/client-kms';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { EncryptionContextMismatchError, KmsEnvelopeCipher } from '../../../lambdas/adapters/crypto/envelope-cipher';
import { KmsFingerprinter } from '../../../lambdas/adapters/crypto/fingerprinter';
import { parseKmsKeyArn } from '../../../lambdas/adapters/crypto/key-arn';
import { DynamoDbVault } from '../../../lambdas/adapters/dynamodb/vault';
import { ResourceNotFoundError } from '../../../lambdas/domain/errors';
import { VaultConflictError } from '../../../lambdas/ports/vault-errors';
import { kmsClient } from '../../../lambdas/shared/clients';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';

/**
 * The vault (beneficiaries' bank accounts) against DynamoDB Local and the local KMS over real HTTP, through the
 * SDK's KMS client and the Encryption SDK: what is stored, who can read it back, and in which region. Cards are
 * not vaulted: test/integration/crypto/card-holds.test.ts.
 */
const iban = { holderName: 'Ana Souza', country: 'GB', currency: 'GBP', iban: 'GB33BUKB20201555555555', bic: 'BUKBGB22' };
const local_ = { holderName: 'Sam Lee', country: 'US', currency: 'USD', accountNumber: '000123456789', routingCode: '021000021' };

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

describe('encryption context', () => {
  it('refuses a ciphertext moved to another merchant\'s or another account\'s item', async () => {
    const vault = vaultIn();
    const victim = await vault.storeBankAccount({ merchantId: 'mer_a', reference: 'ben_victim', account: iban });
    const mine = await vault.storeBankAccount({ merchantId: 'mer_b', reference: 'ben_attacker', account: local_ });
    const sibling = await vault.storeBankAccount({ merchantId: 'mer_a', reference: 'ben_sibling', account: local_ });
    const stolen = (await getItem(victim.token, 'bank-account'))?.ciphertext as Uint8Array;
    for (const [token, merchantId] of [
      [mine.token, 'mer_b'],
      [sibling.token, 'mer_a'],
    ] as const) {
      const item = await getItem(token, 'bank-account');
      await db.documentClient.send(new PutCommand({ TableName: tableName('vault'), Item: { ...item, ciphertext: stolen } }));
      await expect(vault.revealBankAccount(token, merchantId)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    }
  });

  it('gets InvalidCiphertextException from KMS for a data key asked back under another encryption context', async () => {
    const kms = new KMS({ region: deployment.primaryRegion });
    const context = { merchant_id: 'mer_a', purpose: 'bank-account' };
    const { CiphertextBlob } = await kms.generateDataKey({ KeyId: local.kms.keyArn('data'), KeySpec: 'AES_256', EncryptionContext: context });
    await expect(kms.decrypt({ CiphertextBlob, EncryptionContext: context })).resolves.toMatchObject({ KeyId: local.kms.keyArn('data') });
    await expect(kms.decrypt({ CiphertextBlob, EncryptionContext: { ...context, merchant_id: 'mer_b' } })).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
  });
});

describe('bank accounts', () => {
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
});

describe('what the table holds', () => {
  it('holds no account number or holder name in any attribute, in clear or as bytes', async () => {
    const vault = vaultIn();
    await vault.storeBankAccount({ merchantId: 'mer_scan', reference: 'ben_scan', account: local_ });
    await vault.storeBankAccount({ merchantId: 'mer_scan', reference: 'ben_scan_iban', account: iban });
    const items = await scanVault();
    expect(items.some((item) => item.sk === 'bank-account' && item.ciphertext)).toBe(true);
    const secrets = ['000123456789', 'Sam Lee', iban.iban, 'Ana Souza'];
    for (const item of items) {
      for (const value of Object.values(item)) {
        const bytes = value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value), 'utf8');
        for (const secret of secrets) expect(bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
      }
    }
  });
});
