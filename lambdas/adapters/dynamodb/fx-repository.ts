import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Conversion, FxQuote } from '../../domain/fx/objects';
import type { ClaimOutcome, ConversionPage, FxRepository, QuoteClaim } from '../../ports/fx-repository';
import type { CompanionPut } from '../../ports/ledger-store';
import { MERCHANT_OBJECTS_INDEX } from '../../../platform/tables';
import type { ListWindow } from '../../domain/list-window';
import { itemsByKey, queryCreatedOrder } from './created-order';
import type { TransactItem } from './transactions';

/**
 * Quotes and conversions in the `fx` table (docs/data-model.md):
 *   pk = qt_..., sk = "quote"        a quote; `expires_at_ms` (number) lets a condition check expiry; in no index
 *                                    (quotes are read by id only, never listed)
 *   pk = cv_..., sk = "conversion"   a conversion; GSI merchant-objects (keys only)
 * A quote is claimed by setting `usedBy` in a conditional update: unused (NULL) and unexpired, or already
 * claimed by the same user (a retry). A conversion claims it alone (one UpdateItem) and is written once, when
 * posted (decision record 0052), in the posting's own transaction (decision record 0062: `conversionWithPosting`);
 * the payout repository puts the same claim update in its own transaction.
 * A conversion's claim carries a lease, `lease_until` (epoch ms), set by the same update (decision record 0060,
 * as the card hold's for a payment, 0048): while it is live the same user's claim is refused (a duplicate in
 * flight), and a refused conversion frees the quote only if the lease is still the one it set. A claim without
 * a lease attribute (a payout's, or one written before 0060) counts as one whose lease ran out.
 */
const QUOTE = 'quote';
const CONVERSION = 'conversion';

type Item = Record<string, unknown>;

/**
 * The merchant's conversions by creation: keys only, so an entry is written once, when the conversion is
 * (its keys never change); a page reads its conversions by key (decision record 0040).
 */
const LIST_INDEX = { indexName: MERCHANT_OBJECTS_INDEX, partitionKey: 'merchant_type', sortKey: 'created_key' } as const;

const withoutKeys = <T>(item: Item): T => {
  const { pk: _pk, sk: _sk, merchant_type: _type, created_key: _created, expires_at_ms: _expires, lease_until: _lease, ...rest } = item;
  return rest as T;
};

const quoteItem = (quote: FxQuote): Item => ({
  pk: quote.id,
  sk: QUOTE,
  expires_at_ms: Date.parse(quote.expiresAt),
  ...quote,
});

const conversionItem = (conversion: Conversion): Item => ({
  pk: conversion.id,
  sk: CONVERSION,
  merchant_type: `${conversion.merchantId}#conversion`,
  created_key: `${conversion.createdAt}#${conversion.id}`,
  ...conversion,
});

/** A conversion is written over nothing, or over a `pending` one the code before decision 0052 stored and did not finish. */
const CONVERSION_WRITABLE = {
  expression: 'attribute_not_exists(pk) OR #status = :pending',
  names: { '#status': 'status' },
  values: { ':pending': 'pending' },
} as const;

/**
 * The conditional update that claims a quote for `user` (a conversion or a payout id) at `now`. With
 * `leaseUntil` (a conversion's) the claim leases the request's key: the same user's claim is taken again only
 * once its lease ran out (or was released, or never set).
 */
export const quoteClaimItem = (tableName: string, claim: QuoteClaim): TransactItem => {
  const leased = claim.leaseUntil !== undefined;
  // Its own claim is taken again at once, or (leased) only once the lease set before ran out.
  const own = leased ? '(usedBy = :user AND (attribute_not_exists(lease_until) OR lease_until <= :now))' : 'usedBy = :user';
  return {
    Update: {
      TableName: tableName,
      Key: { pk: claim.quoteId, sk: QUOTE },
      UpdateExpression: `SET usedBy = :user, usedAt = :usedAt${leased ? ', lease_until = :until' : ''}`,
      ConditionExpression: `attribute_exists(pk) AND merchantId = :merchant AND (${own} OR (attribute_type(usedBy, :null) AND expires_at_ms > :now))`,
      ExpressionAttributeValues: {
        ':user': claim.user,
        ':usedAt': claim.now.toISOString(),
        ':merchant': claim.merchantId,
        ':null': 'NULL',
        ':now': claim.now.getTime(),
        ...(leased ? { ':until': claim.leaseUntil } : {}),
      },
    },
  };
};

/** Why a claim failed, from the quote as it is now. */
export const claimFailure = (quote: FxQuote | undefined, merchantId: string, user: string): Exclude<ClaimOutcome, 'claimed'> => {
  if (!quote || quote.merchantId !== merchantId) return 'quote_missing';
  if (quote.usedBy !== null && quote.usedBy !== user) return 'quote_used';
  // Its own, and refused: only a leased claim refuses its own user, while another request holds the lease.
  if (quote.usedBy === user) return 'quote_in_flight';
  return 'quote_expired';
};

export class DynamoDbFxRepository implements FxRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * One item, so a conditional PutItem: as atomic as a transaction of one, at half the write units (a
   * transactional write costs 2 per KB; decision record 0038).
   */
  async insertQuote(quote: FxQuote): Promise<{ created: boolean; quote: FxQuote }> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: quoteItem(quote), ConditionExpression: 'attribute_not_exists(pk)' }));
      return { created: true, quote };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.getQuote(quote.id, { consistent: true });
      if (!existing) throw error;
      return { created: false, quote: existing };
    }
  }

  async getQuote(id: string, options: { consistent?: boolean } = {}): Promise<FxQuote | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: id, sk: QUOTE }, ConsistentRead: options.consistent }));
    return result.Item ? withoutKeys<FxQuote>(result.Item) : undefined;
  }

  async getConversion(id: string, options: { consistent?: boolean } = {}): Promise<Conversion | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: id, sk: CONVERSION }, ConsistentRead: options.consistent }),
    );
    return result.Item ? withoutKeys<Conversion>(result.Item) : undefined;
  }

  async listConversions(merchantId: string, window: ListWindow): Promise<ConversionPage> {
    const keys = await queryCreatedOrder(this.client, this.tableName, LIST_INDEX, [`${merchantId}#conversion`], window);
    const items = await itemsByKey(this.client, this.tableName, keys.items);
    return { conversions: items.map((item) => withoutKeys<Conversion>(item)), hasMore: keys.hasMore };
  }

  /** One item: a single conditional UpdateItem (a transaction of one would bill it twice). */
  async claimQuote(claim: QuoteClaim): Promise<ClaimOutcome> {
    const { Update: update } = quoteClaimItem(this.tableName, claim);
    try {
      await this.client.send(new UpdateCommand(update as NonNullable<TransactItem['Update']>));
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return claimFailure(await this.getQuote(claim.quoteId, { consistent: true }), claim.merchantId, claim.user);
    }
  }

  async releaseQuote(quoteId: string, user: string, leaseUntil?: number): Promise<void> {
    // Already released (a retry), never this user's, or its lease taken over by a retry that uses it: nothing to undo.
    await this.updateOwnClaim(quoteId, user, leaseUntil, 'SET usedBy = :null, usedAt = :null REMOVE lease_until', { ':null': null });
  }

  async releaseLease(quoteId: string, user: string, leaseUntil: number): Promise<void> {
    // Freed, or taken over by a retry: not this request's lease any more.
    await this.updateOwnClaim(quoteId, user, leaseUntil, 'SET lease_until = :zero', { ':zero': 0 });
  }

  /** `update` on the quote while `user` holds its claim (and, with `leaseUntil`, that lease); nothing otherwise. */
  private async updateOwnClaim(quoteId: string, user: string, leaseUntil: number | undefined, update: string, values: Record<string, unknown>): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: quoteId, sk: QUOTE },
          UpdateExpression: update,
          ConditionExpression: leaseUntil === undefined ? 'usedBy = :user' : 'usedBy = :user AND lease_until = :until',
          ExpressionAttributeValues: { ...values, ':user': user, ...(leaseUntil === undefined ? {} : { ':until': leaseUntil }) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  conversionWithPosting(conversion: Conversion): CompanionPut {
    return { tableName: this.tableName, item: conversionItem(conversion), condition: CONVERSION_WRITABLE };
  }

  /**
   * One conditional PutItem, written once, completed (decision record 0052): over nothing, or over a `pending`
   * conversion the code before that record stored and did not finish. Since 0062 only for a conversion whose
   * posting was already there (a request before it died between the posting and this Put).
   */
  async insertConversion(conversion: Conversion): Promise<{ created: boolean; conversion: Conversion }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: conversionItem(conversion),
          ConditionExpression: CONVERSION_WRITABLE.expression,
          ExpressionAttributeNames: CONVERSION_WRITABLE.names,
          ExpressionAttributeValues: CONVERSION_WRITABLE.values,
        }),
      );
      return { created: true, conversion };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.getConversion(conversion.id, { consistent: true });
      if (!existing) throw error;
      return { created: false, conversion: existing };
    }
  }
}
