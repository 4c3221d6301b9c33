import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type FingerprintedCard, summarizeCard } from '../../domain/card';
import type { CardHold, CardHolds, HeldCardDetails, HoldCardInput } from '../../ports/card-holds';
import { VaultConflictError } from '../../ports/vault-errors';
import type { EnvelopeCipher } from '../crypto/envelope-cipher';
import type { Fingerprinter } from '../crypto/fingerprinter';

/**
 * Card holds in the regional `cardHolds` table (docs/data-model.md, docs/decisions/0014-card-holds-and-regional-tables.md):
 *   pk = payment id, sk = "hold"   merchant_id, brand, last4, exp_month, exp_year, fingerprint, created_at,
 *                                  ciphertext: ONE envelope message of {number, exp_month, exp_year, cvc}
 *                                  (purpose `card`, merchant in the encryption context, payment id framed in);
 *                                  expires_at (TTL) CARD_HOLD_SECONDS ahead; lease_until (epoch ms) when
 *                                  the create leases the payment's Idempotency-Key, request_fingerprint
 *                                  the request it was held for (decision record 0048).
 * Discarding rewrites the item without `ciphertext` (discarded_at set), expiring CARD_HOLD_TOMBSTONE_SECONDS
 * later: the tombstone. The table has no stream, no point-in-time recovery and no backups, so once the
 * ciphertext is removed no copy of it is left anywhere.
 */

/**
 * How long a hold lives if nothing discards it. The authorization needs it within the payment's Express run
 * (statemachines/payment.asl.json: at most 120 s), or within the recovery that takes over when the run hands
 * the payment over (at once) or dies (the sweeper: 120 s grace, a sweep a minute): about 5 minutes in the worst
 * case, after which the recovery's retries (30 s, 60 s, 120 s... with jitter) ride out an outage. Ten minutes
 * covers the first and leaves about 5 minutes of the second; a recovery later than that finds no card, asks the
 * acquirer what it recorded under the payment's authorization key, and never authorizes without the CVC
 * (use-cases/payment-saga/authorize-payment.ts). Shorter would fail payments an ordinary outage could save;
 * longer keeps an unanswered CVC longer for no gain.
 */
export const CARD_HOLD_SECONDS = 10 * 60;
/** A discarded hold stays a tombstone for the Idempotency-Key window, so a retried create cannot hold the card again. */
export const CARD_HOLD_TOMBSTONE_SECONDS = 24 * 60 * 60;

const HOLD = 'hold';

export interface DynamoDbCardHoldsOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cipher: EnvelopeCipher;
  readonly fingerprints: Fingerprinter;
  readonly now?: () => Date;
}

type Item = Record<string, unknown>;

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

const cardOf = (item: Item): FingerprintedCard => ({
  brand: item.brand as FingerprintedCard['brand'],
  last4: item.last4 as string,
  exp_month: item.exp_month as number,
  exp_year: item.exp_year as number,
  fingerprint: item.fingerprint as string,
});

export class DynamoDbCardHolds implements CardHolds {
  private readonly now: () => Date;

  constructor(private readonly options: DynamoDbCardHoldsOptions) {
    this.now = options.now ?? (() => new Date());
  }

  fingerprint(cardNumber: string): Promise<string> {
    return this.options.fingerprints.card(cardNumber);
  }

  async hold({ merchantId, paymentId, card, leaseMs, requestFingerprint }: HoldCardInput): Promise<CardHold> {
    const now = this.now();
    const summary: FingerprintedCard = { ...summarizeCard(card), fingerprint: await this.fingerprint(card.number) };
    const plaintext = Buffer.from(JSON.stringify({ number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc }), 'utf8');
    let ciphertext: Uint8Array;
    try {
      ciphertext = await this.options.cipher.encrypt(plaintext, { merchantId, purpose: 'card', objectId: paymentId });
    } finally {
      plaintext.fill(0);
    }
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            pk: paymentId,
            sk: HOLD,
            merchant_id: merchantId,
            ...summary,
            ciphertext,
            created_at: now.toISOString(),
            expires_at: epochSeconds(now) + CARD_HOLD_SECONDS,
            ...(leaseMs === undefined ? {} : { lease_until: now.getTime() + leaseMs }),
            ...(requestFingerprint === undefined ? {} : { request_fingerprint: requestFingerprint }),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { card: summary, held: true, leased: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Held already (a retried create) or its tombstone: the same card is the same request; another is a reused key.
    const existing = await this.get(paymentId);
    if (!existing) throw new Error(`The card hold of ${paymentId} vanished between a refused write and its read`);
    const held = cardOf(existing);
    if (existing.merchant_id !== merchantId || held.fingerprint !== summary.fingerprint || held.exp_month !== summary.exp_month || held.exp_year !== summary.exp_year) {
      throw new VaultConflictError(`Payment ${paymentId} already holds another card`);
    }
    // Checked before the lease: a different request under the key is refused (422) even while the first runs.
    if (requestFingerprint !== undefined && existing.request_fingerprint !== undefined && existing.request_fingerprint !== requestFingerprint) {
      throw new VaultConflictError(`Payment ${paymentId} was held for another request`);
    }
    return { card: held, held: false, leased: leaseMs === undefined ? false : await this.takeLease(paymentId, merchantId, now, leaseMs) };
  }

  async releaseLease(paymentId: string, merchantId: string): Promise<void> {
    await this.setLease(paymentId, merchantId, 0, 'attribute_exists(pk) AND merchant_id = :merchant');
  }

  /** The lease, taken over when no request holds it (released, outrun, or a hold written before leases). */
  private async takeLease(paymentId: string, merchantId: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.setLease(paymentId, merchantId, now.getTime() + leaseMs, 'merchant_id = :merchant AND (attribute_not_exists(lease_until) OR lease_until <= :now)', now.getTime());
  }

  private async setLease(paymentId: string, merchantId: string, until: number, condition: string, now?: number): Promise<boolean> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: paymentId, sk: HOLD },
          UpdateExpression: 'SET lease_until = :until',
          ConditionExpression: condition,
          ExpressionAttributeValues: { ':until': until, ':merchant': merchantId, ...(now === undefined ? {} : { ':now': now }) },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  async reveal(paymentId: string, merchantId: string): Promise<HeldCardDetails | undefined> {
    const item = await this.get(paymentId);
    if (!(item?.ciphertext instanceof Uint8Array) || item.merchant_id !== merchantId) return undefined;
    // DynamoDB deletes expired items lazily (within days): past its time a hold is gone, and goes now.
    if ((item.expires_at as number) <= epochSeconds(this.now())) {
      await this.discard(paymentId, merchantId);
      return undefined;
    }
    const plaintext = await this.options.cipher.decrypt(item.ciphertext, { merchantId, purpose: 'card', objectId: paymentId });
    try {
      const card = JSON.parse(plaintext.toString('utf8')) as HeldCardDetails;
      return { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc };
    } finally {
      plaintext.fill(0);
    }
  }

  async discard(paymentId: string, merchantId: string): Promise<void> {
    await discardCardHold({ client: this.options.client, tableName: this.options.tableName, now: this.now() }, paymentId, merchantId);
  }

  private async get(paymentId: string): Promise<Item | undefined> {
    const result = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: paymentId, sk: HOLD }, ConsistentRead: true }),
    );
    return result.Item;
  }
}

/**
 * Remove a hold's secret for good, leaving the tombstone, without any key: a function that only ends a
 * payment may discard what it can never read. One conditional UpdateItem; a hold already discarded, expired
 * and deleted, never written, or another merchant's is left as it is. Used by DynamoDbCardHolds.discard and by
 * `cardHoldDiscarder()` (lambdas/wiring/card-hold-table.ts).
 */
export const discardCardHold = async (
  options: { readonly client: DynamoDBDocumentClient; readonly tableName: string; readonly now: Date },
  paymentId: string,
  merchantId: string,
): Promise<void> => {
  try {
    await options.client.send(
      new UpdateCommand({
        TableName: options.tableName,
        Key: { pk: paymentId, sk: HOLD },
        UpdateExpression: 'REMOVE ciphertext SET discarded_at = :now, expires_at = :tombstoneExpiry',
        ConditionExpression: 'attribute_exists(ciphertext) AND merchant_id = :merchant',
        ExpressionAttributeValues: {
          ':now': options.now.toISOString(),
          ':tombstoneExpiry': epochSeconds(options.now) + CARD_HOLD_TOMBSTONE_SECONDS,
          ':merchant': merchantId,
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
};
