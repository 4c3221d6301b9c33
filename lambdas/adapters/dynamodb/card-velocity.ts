import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CardVelocity } from '../../ports/card-velocity';

/**
 * Velocity counters in the regional `cardHolds` table, beside the holds (docs/data-model.md):
 *   pk = velocity#<subject>, sk = <minutes>m@<window start>   payment_ids (a string set), expires_at (TTL)
 * The subject is a card fingerprint, `customer#<merchant>#<customer id>` or `ip#<hash of the address>`.
 * One UpdateItem per counter a rule set reads, per screening: ADD is idempotent per payment id, and the
 * item is created on first use.
 */
/** The longest window (a day) and a day's margin: TTL deletes lag, and a counter must outlive its window. */
const VELOCITY_RETENTION_SECONDS = 2 * 24 * 60 * 60;

export class DynamoDbCardVelocity implements CardVelocity {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async countAttempt(subject: string, window: string, paymentId: string): Promise<number> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `velocity#${subject}`, sk: window },
        UpdateExpression: 'ADD payment_ids :payment SET expires_at = if_not_exists(expires_at, :expires)',
        ExpressionAttributeValues: {
          ':payment': new Set([paymentId]),
          ':expires': Math.floor(Date.parse(window.slice(window.indexOf('@') + 1)) / 1000) + VELOCITY_RETENTION_SECONDS,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return (result.Attributes?.payment_ids as Set<string> | undefined)?.size ?? 1;
  }
}
