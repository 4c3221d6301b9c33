import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord, Merchant } from '../../domain/merchant';
import type { MerchantRepository } from '../../ports/merchant-repository';

/**
 * Merchants and API key records in the `merchants` table (docs/data-model.md):
 *   pk = "merchant#<id>", sk = "profile"   → the merchant
 *   pk = "apikey#<key id>", sk = "apikey"  → one key's hash and status
 */
const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
};

export class DynamoDbMerchantRepository implements MerchantRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async insertMerchant(merchant: Merchant): Promise<Merchant> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `merchant#${merchant.id}`, sk: 'profile', ...merchant },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return merchant;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.getMerchant(merchant.id);
      if (!existing) throw error;
      return existing;
    }
  }

  async getMerchant(id: string): Promise<Merchant | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `merchant#${id}`, sk: 'profile' } }),
    );
    return result.Item ? strip<Merchant>(result.Item) : undefined;
  }

  async insertApiKey(record: ApiKeyRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `apikey#${record.keyId}`, sk: 'apikey', ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getApiKey(keyId: string): Promise<ApiKeyRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `apikey#${keyId}`, sk: 'apikey' } }),
    );
    return result.Item ? strip<ApiKeyRecord>(result.Item) : undefined;
  }
}
