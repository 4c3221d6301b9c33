import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CardVelocity } from '../../ports/card-velocity';

/**
 * Card velocity counters in the regional `cardHolds` table, beside the holds (docs/data-model.md):
 *   pk = velocity#<card fingerprint>, sk = <window start>   payment_ids (a string set), expires_at (TTL)
 * One UpdateItem per screening: ADD is idempotent per payment id, and the item is created on first use.
 */
const VELOCITY_RETENTION_SECONDS = 24 * 60 * 60;

export class DynamoDbCardVelocity implements CardVelocity {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async countCardAttempt(fingerprint: string, window: string, paymentId: string): Promise<number> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `velocity#${fingerprint}`, sk: window },
        UpdateExpression: 'ADD payment_ids :payment SET expires_at = if_not_exists(expires_at, :expires)',
        ExpressionAttributeValues: {
          ':payment': new Set([paymentId]),
          ':expires': Math.floor(Date.parse(window) / 1000) + VELOCITY_RETENTION_SECONDS,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return (result.Attributes?.payment_ids as Set<string> | undefined)?.size ?? 1;
  }
}
