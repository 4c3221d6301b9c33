import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Payment } from '../../domain/payment';
import type { PaymentPage, PaymentRepository } from '../../ports/payment-repository';

/**
 * Payments in the `payments` table (docs/data-model.md):
 *   pk = payment id, sk = "payment"                      → get by id
 *   merchant_type = "<merchant id>#payment",
 *   created_key = "<created_at>#<payment id>"            → GSI merchant-objects, newest first
 */
const SORT_KEY = 'payment';

const keysOf = (payment: Payment) => ({
  pk: payment.id,
  sk: SORT_KEY,
  merchant_type: `${payment.merchantId}#payment`,
  created_key: `${payment.createdAt}#${payment.id}`,
});

const toPayment = (item: Record<string, unknown>): Payment => {
  const { pk: _pk, sk: _sk, merchant_type: _type, created_key: _created, ...payment } = item;
  return payment as unknown as Payment;
};

export class DynamoDbPaymentRepository implements PaymentRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async insert(payment: Payment): Promise<{ created: boolean; payment: Payment }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keysOf(payment), ...payment },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, payment };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(payment.id, true);
      if (!existing) throw error;
      return { created: false, payment: existing };
    }
  }

  async get(id: string, consistent = false): Promise<Payment | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: id, sk: SORT_KEY }, ConsistentRead: consistent }),
    );
    return result.Item ? toPayment(result.Item) : undefined;
  }

  async listByMerchant(merchantId: string, page: { limit: number; after?: Payment }): Promise<PaymentPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'merchant-objects',
        KeyConditionExpression: 'merchant_type = :type',
        ExpressionAttributeValues: { ':type': `${merchantId}#payment` },
        ScanIndexForward: false,
        Limit: page.limit + 1,
        ExclusiveStartKey: page.after ? keysOf(page.after) : undefined,
      }),
    );
    const items = result.Items ?? [];
    return { payments: items.slice(0, page.limit).map(toPayment), hasMore: items.length > page.limit };
  }
}
