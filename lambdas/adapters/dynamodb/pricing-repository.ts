import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Pricing, isValidPricing } from '../../domain/ledger/fees';
import type { PricingRepository } from '../../ports/pricing-repository';

/**
 * Merchant pricing in the `merchants` table, next to the profile it belongs to:
 *   pk = "merchant#<id>", sk = "pricing"  → { percentBps, fixed: { <currency>: <minor units> } }
 * No item: the platform default (fees.ts DEFAULT_PRICING).
 */
export class DynamoDbPricingRepository implements PricingRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getPricing(merchantId: string): Promise<Pricing | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `merchant#${merchantId}`, sk: 'pricing' } }),
    );
    if (!result.Item) return undefined;
    return { percentBps: result.Item.percentBps as number, fixed: (result.Item.fixed ?? {}) as Record<string, number> };
  }

  async putPricing(merchantId: string, pricing: Pricing): Promise<void> {
    if (!isValidPricing(pricing)) throw new RangeError(`Invalid pricing for ${merchantId}`);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `merchant#${merchantId}`, sk: 'pricing', percentBps: pricing.percentBps, fixed: pricing.fixed },
      }),
    );
  }
}
