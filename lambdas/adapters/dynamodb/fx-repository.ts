import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Conversion, FxQuote } from '../../domain/fx/objects';
import type { ClaimOutcome, ConversionPage, FxRepository } from '../../ports/fx-repository';
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
 * posted (decision record 0052); the payout repository puts the same update in its own transaction.
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
  const { pk: _pk, sk: _sk, merchant_type: _type, created_key: _created, expires_at_ms: _expires, ...rest } = item;
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

/** The conditional update that claims a quote for `user` (a conversion or a payout id) at `now`. */
export const quoteClaimItem = (tableName: string, claim: { readonly quoteId: string; readonly merchantId: string; readonly user: string; readonly now: Date }): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: { pk: claim.quoteId, sk: QUOTE },
    UpdateExpression: 'SET usedBy = :user, usedAt = :usedAt',
    ConditionExpression:
      'attribute_exists(pk) AND merchantId = :merchant AND (usedBy = :user OR (attribute_type(usedBy, :null) AND expires_at_ms > :now))',
    ExpressionAttributeValues: {
      ':user': claim.user,
      ':usedAt': claim.now.toISOString(),
      ':merchant': claim.merchantId,
      ':null': 'NULL',
      ':now': claim.now.getTime(),
    },
  },
});

/** Why a claim failed, from the quote as it is now. */
export const claimFailure = (quote: FxQuote | undefined, merchantId: string, user: string): Exclude<ClaimOutcome, 'claimed'> => {
  if (!quote || quote.merchantId !== merchantId) return 'quote_missing';
  if (quote.usedBy !== null && quote.usedBy !== user) return 'quote_used';
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
  async claimQuote(claim: { readonly quoteId: string; readonly merchantId: string; readonly user: string; readonly now: Date }): Promise<ClaimOutcome> {
    const { Update: update } = quoteClaimItem(this.tableName, claim);
    try {
      await this.client.send(new UpdateCommand(update as NonNullable<TransactItem['Update']>));
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return claimFailure(await this.getQuote(claim.quoteId, { consistent: true }), claim.merchantId, claim.user);
    }
  }

  async releaseQuote(quoteId: string, user: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: quoteId, sk: QUOTE },
          UpdateExpression: 'SET usedBy = :null, usedAt = :null',
          ConditionExpression: 'usedBy = :user',
          ExpressionAttributeValues: { ':null': null, ':user': user },
        }),
      );
    } catch (error) {
      // Already released (a retry), or never this user's: nothing to undo.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * One conditional PutItem, written once, completed (decision record 0052): over nothing, or over a `pending`
   * conversion the code before that record stored and did not finish.
   */
  async insertConversion(conversion: Conversion): Promise<{ created: boolean; conversion: Conversion }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: conversionItem(conversion),
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
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
