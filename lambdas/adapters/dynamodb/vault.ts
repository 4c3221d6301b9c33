import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EncryptionPurpose } from '../../../platform/keys';
import { type VaultedCard, summarizeCard } from '../../domain/card';
import { ResourceNotFoundError } from '../../domain/errors';
import { deriveId } from '../../domain/ids';
import type {
  BankAccountDetails,
  BankAccountVault,
  RevealedBankAccount,
  StoreBankAccountInput,
  VaultedBankAccount,
} from '../../ports/bank-account-vault';
import { type CardVault, type HoldCvcInput, type RevealedCard, type StoreCardInput, VaultConflictError } from '../../ports/card-vault';
import type { EnvelopeCipher } from '../crypto/envelope-cipher';
import type { Fingerprinter } from '../crypto/fingerprinter';

/**
 * The vault in the `vault` table: ciphertext (AWS Encryption SDK messages) plus non-sensitive metadata.
 *   pk = token (`tok_...`), sk = "card"          card: brand, last4, expiry, fingerprint, ciphertext
 *   pk = token (`tok_...`), sk = "bank-account"  bank account: country, currency, last4, fingerprint, ciphertext
 *   pk = payment id,        sk = "cvc"           CVC: ciphertext until taken; expires_at (TTL) minutes ahead
 * Tokens derive from (kind, merchant, reference), so a retried store can only ever write the same item
 * (conditional put), and a token never names another merchant's card.
 */
export const CVC_HOLD_SECONDS = 10 * 60;
/** A taken or discarded CVC leaves a tombstone (no ciphertext) for the Idempotency-Key window, so a retried create cannot hold it again. */
export const CVC_TOMBSTONE_SECONDS = 24 * 60 * 60;

const CARD = 'card';
const BANK_ACCOUNT = 'bank-account';
const CVC = 'cvc';

export interface DynamoDbVaultOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cipher: EnvelopeCipher;
  readonly fingerprints: Fingerprinter;
  readonly now?: () => Date;
  readonly cvcHoldSeconds?: number;
}

type Item = Record<string, unknown>;

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** JSON → bytes for encryption; the caller zeroes the buffer once encrypted. */
const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

const parseAndZero = <T>(plaintext: Buffer): T => {
  try {
    return JSON.parse(plaintext.toString('utf8')) as T;
  } finally {
    plaintext.fill(0);
  }
};

const toVaultedCard = (item: Item): VaultedCard => ({
  token: item.pk as string,
  brand: item.brand as VaultedCard['brand'],
  last4: item.last4 as string,
  exp_month: item.exp_month as number,
  exp_year: item.exp_year as number,
  fingerprint: item.fingerprint as string,
});

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

export class DynamoDbVault implements CardVault, BankAccountVault {
  private readonly now: () => Date;
  private readonly cvcHoldSeconds: number;

  constructor(private readonly options: DynamoDbVaultOptions) {
    this.now = options.now ?? (() => new Date());
    this.cvcHoldSeconds = options.cvcHoldSeconds ?? CVC_HOLD_SECONDS;
  }

  async storeCard({ merchantId, reference, card }: StoreCardInput): Promise<VaultedCard> {
    const token = deriveId('tok', CARD, merchantId, reference);
    const vaulted: VaultedCard = { token, ...summarizeCard(card), fingerprint: await this.options.fingerprints.card(card.number) };
    const ciphertext = await this.seal({ number: card.number, exp_month: card.exp_month, exp_year: card.exp_year }, merchantId, CARD, token);
    const { token: _token, ...metadata } = vaulted;
    const stored = await this.insertOrGet({ pk: token, sk: CARD, ...metadata, merchant_id: merchantId, reference, ciphertext });
    const existing = toVaultedCard(stored);
    if (stored.merchant_id !== merchantId || existing.fingerprint !== vaulted.fingerprint || existing.exp_month !== vaulted.exp_month || existing.exp_year !== vaulted.exp_year) {
      throw new VaultConflictError(`Reference ${reference} already holds another card`);
    }
    return existing;
  }

  async revealCard(token: string, merchantId: string): Promise<RevealedCard> {
    const item = await this.getOwned(token, CARD, merchantId, 'card');
    const card = parseAndZero<{ number: string; exp_month: number; exp_year: number }>(
      await this.options.cipher.decrypt(item.ciphertext as Uint8Array, { merchantId, purpose: CARD, objectId: token }),
    );
    return { token, number: card.number, exp_month: card.exp_month, exp_year: card.exp_year };
  }

  async holdCvc({ merchantId, paymentId, cvc }: HoldCvcInput): Promise<void> {
    const now = this.now();
    const ciphertext = await this.seal({ cvc }, merchantId, 'card-cvc', paymentId);
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            pk: paymentId,
            sk: CVC,
            merchant_id: merchantId,
            ciphertext,
            created_at: now.toISOString(),
            expires_at: epochSeconds(now) + this.cvcHoldSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Held already (a retried create) or taken already (its tombstone): either way nothing to do.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async takeCvc(paymentId: string, merchantId: string): Promise<string | undefined> {
    const now = this.now();
    let ciphertext: Uint8Array | undefined;
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: paymentId, sk: CVC },
          UpdateExpression: 'REMOVE ciphertext SET taken_at = :now, expires_at = :tombstoneExpiry',
          ConditionExpression: 'attribute_exists(ciphertext) AND merchant_id = :merchant AND expires_at > :nowSeconds',
          ExpressionAttributeValues: {
            ':now': now.toISOString(),
            ':nowSeconds': epochSeconds(now),
            ':tombstoneExpiry': epochSeconds(now) + CVC_TOMBSTONE_SECONDS,
            ':merchant': merchantId,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      ciphertext = result.Attributes?.ciphertext as Uint8Array | undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Never held, taken, or expired: an expired CVC that TTL has not removed yet goes now.
      await this.discardCvc(paymentId, merchantId);
      return undefined;
    }
    if (!ciphertext) return undefined;
    return parseAndZero<{ cvc: string }>(
      await this.options.cipher.decrypt(ciphertext, { merchantId, purpose: 'card-cvc', objectId: paymentId }),
    ).cvc;
  }

  async peekCvc(paymentId: string, merchantId: string): Promise<string | undefined> {
    const now = this.now();
    const result = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: paymentId, sk: CVC }, ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item?.ciphertext || item.merchant_id !== merchantId) return undefined;
    if ((item.expires_at as number) <= epochSeconds(now)) {
      await this.discardCvc(paymentId, merchantId);
      return undefined;
    }
    return parseAndZero<{ cvc: string }>(
      await this.options.cipher.decrypt(item.ciphertext as Uint8Array, { merchantId, purpose: 'card-cvc', objectId: paymentId }),
    ).cvc;
  }

  async discardCvc(paymentId: string, merchantId: string): Promise<void> {
    await discardHeldCvc({ client: this.options.client, tableName: this.options.tableName, now: this.now() }, paymentId, merchantId);
  }

  async storeBankAccount({ merchantId, reference, account }: StoreBankAccountInput): Promise<VaultedBankAccount> {
    const token = deriveId('tok', BANK_ACCOUNT, merchantId, reference);
    const { identifier, last4 } = bankAccountIdentifier(account);
    const vaulted: VaultedBankAccount = {
      token,
      country: account.country,
      currency: account.currency,
      last4,
      fingerprint: await this.options.fingerprints.bankAccount(account.country, identifier),
    };
    const ciphertext = await this.seal(account, merchantId, BANK_ACCOUNT, token);
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

  private async seal(secret: unknown, merchantId: string, purpose: EncryptionPurpose, objectId: string): Promise<Uint8Array> {
    const plaintext = jsonBytes(secret);
    try {
      return await this.options.cipher.encrypt(plaintext, { merchantId, purpose, objectId });
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

/**
 * Remove a held CVC (leaving the secret-free marker), without any key: a function that only ends a payment
 * may discard what it can never read. Used by DynamoDbVault.discardCvc and by `cvcDiscarder()`.
 */
export const discardHeldCvc = async (
  options: { readonly client: DynamoDBDocumentClient; readonly tableName: string; readonly now: Date },
  paymentId: string,
  merchantId: string,
): Promise<void> => {
  try {
    await options.client.send(
      new UpdateCommand({
        TableName: options.tableName,
        Key: { pk: paymentId, sk: CVC },
        UpdateExpression: 'REMOVE ciphertext SET discarded_at = :now, expires_at = :tombstoneExpiry',
        ConditionExpression: 'attribute_exists(ciphertext) AND merchant_id = :merchant',
        ExpressionAttributeValues: {
          ':now': options.now.toISOString(),
          ':tombstoneExpiry': epochSeconds(options.now) + CVC_TOMBSTONE_SECONDS,
          ':merchant': merchantId,
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
};
