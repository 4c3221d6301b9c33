import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ResourceNotFoundError } from '../../domain/errors';
import { ApiKeyExistsError, ApiKeyLimitReachedError, type ApiKeyRecord, LastActiveApiKeyError, type Merchant, type PayoutLimitOverride, type StoredRiskRules, type StoredRoutingRules } from '../../domain/merchant';
import { StaleVersionError } from '../../domain/errors';
import type { ApiKeyPage, ApiKeySummary, MerchantRepository } from '../../ports/merchant-repository';
import type { ListWindow } from '../../domain/list-window';
import { queryCreatedOrder } from './created-order';
import { TransactionConditionFailedError, transactWrite } from './transactions';

/**
 * Merchants and API key records in the `merchants` table (docs/data-model.md):
 *   pk = "merchant#<id>", sk = "profile"                         → the merchant, with `activeKeys` and `activeRestrictedKeys`
 *                                                                  (its counts of active secret and restricted keys) and
 *                                                                  `payoutLimits` (per currency, set by operators) and
 *                                                                  `riskRules` (the merchant's risk rule set, latest version) and
 *                                                                  `routingRules` (the routing rule set in force)
 *   pk = "merchant#<id>", sk = "apikey#<created at>#<key id>"    → one key as listed to its merchant (no hash)
 *   pk = "apikey#<key id>", sk = "apikey"                        → one key's hash and status (the authorizer's lookup)
 * A key's two items and the merchant's count change in one transaction, so the count of active keys is
 * exact and the limit holds under concurrent requests.
 */
const strip = <T>(item: Record<string, unknown>, ...extra: readonly string[]): T => {
  const copy: Record<string, unknown> = { ...item };
  for (const name of ['pk', 'sk', ...extra]) delete copy[name];
  return copy as T;
};

/** The merchant's count a key is one of: secret and restricted keys have limits of their own. */
const activeCountOf = (key: Pick<ApiKeyRecord, 'scopes'>): string => (key.scopes ? 'activeRestrictedKeys' : 'activeKeys');
const profileKey = (merchantId: string) => ({ pk: `merchant#${merchantId}`, sk: 'profile' });
const lookupKey = (keyId: string) => ({ pk: `apikey#${keyId}`, sk: 'apikey' });
const API_KEY_PREFIX = 'apikey#';
const listingKey = (key: { merchantId: string; createdAt: string; keyId: string }) => ({
  pk: `merchant#${key.merchantId}`,
  sk: `${API_KEY_PREFIX}${key.createdAt}#${key.keyId}`,
});

export class DynamoDbMerchantRepository implements MerchantRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async insertMerchant(merchant: Merchant): Promise<{ created: boolean; merchant: Merchant }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...profileKey(merchant.id), ...merchant, activeKeys: 0 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, merchant };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.getMerchant(merchant.id);
      if (!existing) throw error;
      return { created: false, merchant: existing };
    }
  }

  async setPayoutLimits(merchantId: string, currency: string, limits: PayoutLimitOverride | null): Promise<{ before?: PayoutLimitOverride; after?: PayoutLimitOverride } | undefined> {
    try {
      // The map first (a profile written before limits existed has none), then the currency's entry: a
      // document path cannot be set in the same expression that creates its parent.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: profileKey(merchantId),
          UpdateExpression: 'SET payoutLimits = if_not_exists(payoutLimits, :empty)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':empty': {} },
        }),
      );
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: profileKey(merchantId),
          UpdateExpression: limits ? 'SET payoutLimits.#currency = :limits' : 'REMOVE payoutLimits.#currency',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#currency': currency },
          ...(limits ? { ExpressionAttributeValues: { ':limits': limits } } : {}),
          ReturnValues: 'ALL_OLD',
        }),
      );
      const before = (result.Attributes?.payoutLimits as Record<string, PayoutLimitOverride> | undefined)?.[currency];
      return { before, after: limits ?? undefined };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async setRiskRules(merchantId: string, rules: StoredRiskRules, previousVersion: number): Promise<{ before?: StoredRiskRules } | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: profileKey(merchantId),
          UpdateExpression: 'SET riskRules = :rules',
          ConditionExpression:
            previousVersion === 0 ? 'attribute_exists(pk) AND attribute_not_exists(riskRules)' : 'attribute_exists(pk) AND riskRules.version = :previous',
          ExpressionAttributeValues: { ':rules': rules, ...(previousVersion === 0 ? {} : { ':previous': previousVersion }) },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { before: result.Attributes?.riskRules as StoredRiskRules | undefined };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) return undefined;
      throw new StaleVersionError(`risk rules of ${merchantId}`, previousVersion);
    }
  }

  async setRoutingRules(merchantId: string, rules: StoredRoutingRules, previousVersion: number): Promise<{ before?: StoredRoutingRules } | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: profileKey(merchantId),
          UpdateExpression: 'SET routingRules = :rules',
          ConditionExpression:
            previousVersion === 0 ? 'attribute_exists(pk) AND attribute_not_exists(routingRules)' : 'attribute_exists(pk) AND routingRules.version = :previous',
          ExpressionAttributeValues: { ':rules': rules, ...(previousVersion === 0 ? {} : { ':previous': previousVersion }) },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { before: result.Attributes?.routingRules as StoredRoutingRules | undefined };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) return undefined;
      throw new StaleVersionError(`routing rules of ${merchantId}`, previousVersion);
    }
  }

  async getMerchant(id: string): Promise<Merchant | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: profileKey(id) }));
    return result.Item ? strip<Merchant>(result.Item, 'activeKeys', 'activeRestrictedKeys') : undefined;
  }

  async addApiKey(record: ApiKeyRecord, limits: { maxActive: number }): Promise<void> {
    const { secretHash: _hash, ...summary } = record;
    try {
      await transactWrite(this.client, [
        {
          Update: {
            TableName: this.tableName,
            Key: profileKey(record.merchantId),
            UpdateExpression: 'SET #count = if_not_exists(#count, :zero) + :one',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#count) OR #count < :max)',
            ExpressionAttributeNames: { '#count': activeCountOf(record) },
            ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': limits.maxActive },
          },
        },
        { Put: { TableName: this.tableName, Item: { ...lookupKey(record.keyId), ...record }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: this.tableName, Item: { ...listingKey(record), ...summary }, ConditionExpression: 'attribute_not_exists(pk)' } },
      ]);
    } catch (error) {
      if (!(error instanceof TransactionConditionFailedError)) throw error;
      if (error.failedIndexes.includes(1)) throw new ApiKeyExistsError(record.keyId);
      if (!error.failedIndexes.includes(0)) throw error;
      if (!(await this.getMerchant(record.merchantId))) throw new ResourceNotFoundError('merchant', record.merchantId);
      throw new ApiKeyLimitReachedError(record.merchantId, limits.maxActive);
    }
  }

  async replaceApiKeySecret(keyId: string, change: { secretHash: string; createdByCommand: string }): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: lookupKey(keyId),
          UpdateExpression: 'SET secretHash = :hash',
          ConditionExpression: '#status = :active AND createdByCommand = :command',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':hash': change.secretHash, ':active': 'active', ':command': change.createdByCommand },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getApiKey(keyId: string, options: { consistent?: boolean } = {}): Promise<ApiKeyRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: lookupKey(keyId), ConsistentRead: options.consistent }),
    );
    return result.Item ? strip<ApiKeyRecord>(result.Item) : undefined;
  }

  async revokeApiKey(
    key: ApiKeyRecord,
    change: { revokedAt: string; revokedByCommand: string; keepOneActive: boolean },
  ): Promise<ApiKeyRecord | undefined> {
    const revoke = {
      UpdateExpression: 'SET #status = :revoked, revokedAt = :at, revokedByCommand = :command',
      ExpressionAttributeNames: { '#status': 'status' },
    };
    const values = { ':revoked': 'revoked', ':at': change.revokedAt, ':command': change.revokedByCommand };
    try {
      await transactWrite(this.client, [
        {
          Update: {
            TableName: this.tableName,
            Key: lookupKey(key.keyId),
            ...revoke,
            ConditionExpression: '#status = :active AND merchantId = :merchant',
            ExpressionAttributeValues: { ...values, ':active': 'active', ':merchant': key.merchantId },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: listingKey(key),
            ...revoke,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: values,
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: profileKey(key.merchantId),
            UpdateExpression: 'SET #count = #count - :one',
            ConditionExpression: change.keepOneActive ? '#count > :one' : '#count >= :one',
            ExpressionAttributeNames: { '#count': activeCountOf(key) },
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
      ]);
    } catch (error) {
      if (!(error instanceof TransactionConditionFailedError)) throw error;
      if (error.failedIndexes.includes(0)) return undefined;
      if (error.failedIndexes.includes(2) && change.keepOneActive) throw new LastActiveApiKeyError(key.keyId);
      throw error;
    }
    return { ...key, status: 'revoked', revokedAt: change.revokedAt, revokedByCommand: change.revokedByCommand };
  }

  async listApiKeys(merchantId: string, window: ListWindow): Promise<ApiKeyPage> {
    // The keys' listing items share the merchant's partition with its profile: their sort keys start with `apikey#`.
    const page = await queryCreatedOrder(this.client, this.tableName, { partitionKey: 'pk', sortKey: 'sk', prefix: API_KEY_PREFIX }, [`merchant#${merchantId}`], window, {
      consistent: true,
    });
    return { keys: page.items.map((item) => strip<ApiKeySummary>(item)), hasMore: page.hasMore };
  }
}
