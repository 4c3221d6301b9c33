import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ResourceNotFoundError } from '../../domain/errors';
import { deriveId } from '../../domain/ids';
import type {
  BankAccountDetails,
  BankAccountVault,
  RevealedBankAccount,
  StoreBankAccountInput,
  VaultedBankAccount,
} from '../../ports/bank-account-vault';
import { VaultConflictError } from '../../ports/vault-errors';
import type { EnvelopeCipher } from '../crypto/envelope-cipher';
import type { Fingerprinter } from '../crypto/fingerprinter';

/**
 * The vault in the `vault` table: beneficiaries' bank account details as ciphertext (AWS Encryption SDK
 * messages) plus non-sensitive metadata.
 *   pk = token (`tok_...`), sk = "bank-account"  country, currency, last4, fingerprint, reference, ciphertext
 * Tokens derive from (kind, merchant, reference), so a retried store can only ever write the same item
 * (conditional put), and a token never names another merchant's account. Cards are not here: a payment's
 * card is held in the `cardHolds` table until its authorization answers (adapters/dynamodb/card-holds.ts).
 */
const BANK_ACCOUNT = 'bank-account';

export interface DynamoDbVaultOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cipher: EnvelopeCipher;
  readonly fingerprints: Fingerprinter;
  readonly now?: () => Date;
}

type Item = Record<string, unknown>;

/** JSON → bytes for encryption; the caller zeroes the buffer once encrypted. */
const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

const parseAndZero = <T>(plaintext: Buffer): T => {
  try {
    return JSON.parse(plaintext.toString('utf8')) as T;
  } finally {
    plaintext.fill(0);
  }
};

const toVaultedBankAccount = (item: Item): VaultedBankAccount => ({
  token: item.pk as string,
  country: item.country as string,
  currency: item.currency as string,
  last4: item.last4 as string,
  fingerprint: item.fingerprint as string,
});

const bankAccountIdentifier = (account: BankAccountDetails): { identifier: string; last4: string } => {
  if (account.iban) return { identifier: account.iban, last4: account.iban.replace(/\s/g, '').slice(-4) };
  if (account.accountNumber) {
    return { identifier: `${account.routingCode ?? ''}/${account.accountNumber}`, last4: account.accountNumber.replace(/[\s-]/g, '').slice(-4) };
  }
  throw new TypeError('A bank account needs an IBAN or an account number');
};

export class DynamoDbVault implements BankAccountVault {
  private readonly now: () => Date;

  constructor(private readonly options: DynamoDbVaultOptions) {
    this.now = options.now ?? (() => new Date());
  }

  fingerprint(account: BankAccountDetails): Promise<string> {
    return this.options.fingerprints.bankAccount(account.country, bankAccountIdentifier(account).identifier);
  }

  async storeBankAccount({ merchantId, reference, account }: StoreBankAccountInput): Promise<VaultedBankAccount> {
    const token = deriveId('tok', BANK_ACCOUNT, merchantId, reference);
    const vaulted: VaultedBankAccount = {
      token,
      country: account.country,
      currency: account.currency,
      last4: bankAccountIdentifier(account).last4,
      fingerprint: await this.fingerprint(account),
    };
    const ciphertext = await this.seal(account, merchantId, token);
    const { token: _token, ...metadata } = vaulted;
    const stored = await this.insertOrGet({ pk: token, sk: BANK_ACCOUNT, ...metadata, merchant_id: merchantId, reference, ciphertext });
    const existing = toVaultedBankAccount(stored);
    if (stored.merchant_id !== merchantId || existing.fingerprint !== vaulted.fingerprint || existing.currency !== vaulted.currency) {
      throw new VaultConflictError(`Reference ${reference} already holds another bank account`);
    }
    return existing;
  }

  async revealBankAccount(token: string, merchantId: string): Promise<RevealedBankAccount> {
    const item = await this.getOwned(token, BANK_ACCOUNT, merchantId, 'bank account');
    const account = parseAndZero<BankAccountDetails>(
      await this.options.cipher.decrypt(item.ciphertext as Uint8Array, { merchantId, purpose: BANK_ACCOUNT, objectId: token }),
    );
    return { ...account, token };
  }

  private async seal(secret: unknown, merchantId: string, objectId: string): Promise<Uint8Array> {
    const plaintext = jsonBytes(secret);
    try {
      return await this.options.cipher.encrypt(plaintext, { merchantId, purpose: BANK_ACCOUNT, objectId });
    } finally {
      plaintext.fill(0);
    }
  }

  /** Conditional put; on a retry the item already there is returned for the caller to compare. */
  private async insertOrGet(item: Item): Promise<Item> {
    try {
      await this.options.client.send(
        new PutCommand({ TableName: this.options.tableName, Item: { ...item, created_at: this.now().toISOString() }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return item;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(item.pk as string, item.sk as string);
      if (!existing) throw error;
      return existing;
    }
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    const result = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return result.Item;
  }

  /** The item only if it belongs to this merchant: a foreign token is indistinguishable from an unknown one. */
  private async getOwned(token: string, kind: string, merchantId: string, resource: string): Promise<Item> {
    const item = await this.get(token, kind);
    if (!item || item.merchant_id !== merchantId || !(item.ciphertext instanceof Uint8Array)) throw new ResourceNotFoundError(resource, token);
    return item;
  }
}
