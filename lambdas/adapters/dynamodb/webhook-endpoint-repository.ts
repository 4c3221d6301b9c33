import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StaleVersionError } from '../../domain/errors';
import { MAX_WEBHOOK_ENDPOINTS, type StoredWebhookSecret, type WebhookEndpoint, WebhookEndpointLimitError } from '../../domain/webhooks';
import type { WebhookEndpointRepository } from '../../ports/webhook-endpoints';
import { TransactionConditionFailedError, transactWrite } from './transactions';

/**
 * Webhook endpoints in the `events` table (docs/data-model.md, "events"):
 *   pk = we#<merchant>, sk = <we_ id>      an endpoint, versioned; its secrets as envelope ciphertext only
 *   pk = we#<merchant>, sk = #count        how many it has (creation and deletion keep it, in one transaction)
 * A merchant's endpoints are one partition: one Query lists them all (at most 16), which is what every
 * stream batch does to learn where its events go.
 */
type Item = Record<string, unknown>;

const partition = (merchantId: string) => `we#${merchantId}`;
const COUNT = '#count';

const secretItem = (secret: StoredWebhookSecret): Item => ({
  v: secret.version,
  c: secret.ciphertext,
  a: secret.createdAt,
  ...(secret.expiresAt ? { x: secret.expiresAt } : {}),
});

const secretOf = (item: Item): StoredWebhookSecret => ({
  version: item.v as number,
  ciphertext: item.c as Uint8Array,
  createdAt: item.a as string,
  expiresAt: (item.x as string | undefined) ?? null,
});

const itemOf = (endpoint: WebhookEndpoint): Item => ({
  pk: partition(endpoint.merchantId),
  sk: endpoint.id,
  merchantId: endpoint.merchantId,
  url: endpoint.url,
  enabledEvents: endpoint.enabledEvents,
  ...(endpoint.description === null ? {} : { description: endpoint.description }),
  status: endpoint.status,
  ...(endpoint.disabledReason === null ? {} : { disabledReason: endpoint.disabledReason }),
  ...(endpoint.disabledAt === null ? {} : { disabledAt: endpoint.disabledAt }),
  ...(endpoint.failingSince === null ? {} : { failingSince: endpoint.failingSince }),
  ...(endpoint.lastFailure === null ? {} : { lastFailure: endpoint.lastFailure }),
  secrets: endpoint.secrets.map(secretItem),
  createdByCommand: endpoint.createdByCommand,
  createdAt: endpoint.createdAt,
  updatedAt: endpoint.updatedAt,
  version: endpoint.version,
});

const endpointOf = (item: Item): WebhookEndpoint => ({
  id: item.sk as string,
  merchantId: item.merchantId as string,
  url: item.url as string,
  enabledEvents: item.enabledEvents as string[],
  description: (item.description as string | undefined) ?? null,
  status: item.status as WebhookEndpoint['status'],
  disabledReason: (item.disabledReason as string | undefined) ?? null,
  disabledAt: (item.disabledAt as string | undefined) ?? null,
  failingSince: (item.failingSince as string | undefined) ?? null,
  lastFailure: (item.lastFailure as string | undefined) ?? null,
  secrets: ((item.secrets as Item[] | undefined) ?? []).map(secretOf),
  createdByCommand: item.createdByCommand as string,
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
  version: item.version as number,
});

const ignoreRefusal = async (write: Promise<unknown>): Promise<void> => {
  try {
    await write;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
};

export class DynamoDbWebhookEndpointRepository implements WebhookEndpointRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async insert(endpoint: WebhookEndpoint): Promise<{ created: boolean; endpoint: WebhookEndpoint }> {
    try {
      await transactWrite(this.client, [
        { Put: { TableName: this.tableName, Item: itemOf(endpoint), ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: partition(endpoint.merchantId), sk: COUNT },
            UpdateExpression: 'SET n = if_not_exists(n, :zero) + :one',
            ConditionExpression: 'attribute_not_exists(n) OR n < :max',
            ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': MAX_WEBHOOK_ENDPOINTS },
          },
        },
      ]);
      return { created: true, endpoint };
    } catch (error) {
      if (!(error instanceof TransactionConditionFailedError)) throw error;
      if (error.failedIndexes.includes(0)) {
        const existing = await this.get(endpoint.merchantId, endpoint.id, { consistent: true });
        if (existing) return { created: false, endpoint: existing };
      }
      throw new WebhookEndpointLimitError(endpoint.merchantId);
    }
  }

  async get(merchantId: string, id: string, options: { consistent?: boolean } = {}): Promise<WebhookEndpoint | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: partition(merchantId), sk: id }, ConsistentRead: options.consistent }));
    return result.Item ? endpointOf(result.Item) : undefined;
  }

  async list(merchantId: string): Promise<readonly WebhookEndpoint[]> {
    const endpoints: WebhookEndpoint[] = [];
    let start: Item | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': partition(merchantId) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of result.Items ?? []) if (item.sk !== COUNT) endpoints.push(endpointOf(item));
      start = result.LastEvaluatedKey as Item | undefined;
    } while (start);
    return endpoints;
  }

  async update(next: WebhookEndpoint): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: itemOf(next),
          ConditionExpression: 'version = :previous',
          ExpressionAttributeValues: { ':previous': next.version - 1 },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StaleVersionError(next.id, next.version - 1);
      throw error;
    }
  }

  async remove(merchantId: string, id: string): Promise<boolean> {
    try {
      await transactWrite(this.client, [
        { Delete: { TableName: this.tableName, Key: { pk: partition(merchantId), sk: id }, ConditionExpression: 'attribute_exists(pk)' } },
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: partition(merchantId), sk: COUNT },
            UpdateExpression: 'SET n = n - :one',
            ConditionExpression: 'n > :zero',
            ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
          },
        },
      ]);
      return true;
    } catch (error) {
      if (error instanceof TransactionConditionFailedError && error.failedIndexes.includes(0)) return false;
      throw error;
    }
  }

  // Health marks change only what delivery learns, never the version: a merchant's update never conflicts with them.
  async markFailing(merchantId: string, id: string, since: string, failure: string): Promise<void> {
    await ignoreRefusal(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(merchantId), sk: id },
          UpdateExpression: 'SET failingSince = :since, lastFailure = :failure',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(failingSince)',
          ExpressionAttributeValues: { ':since': since, ':failure': failure },
        }),
      ),
    );
  }

  async clearFailing(merchantId: string, id: string): Promise<void> {
    await ignoreRefusal(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(merchantId), sk: id },
          UpdateExpression: 'REMOVE failingSince',
          ConditionExpression: 'attribute_exists(failingSince)',
        }),
      ),
    );
  }

  async disableFailing(merchantId: string, id: string, at: string, failure: string): Promise<void> {
    await ignoreRefusal(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(merchantId), sk: id },
          UpdateExpression: 'SET #status = :disabled, disabledReason = :reason, disabledAt = :at, lastFailure = :failure',
          ConditionExpression: '#status = :enabled AND attribute_exists(failingSince)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':disabled': 'disabled', ':enabled': 'enabled', ':reason': 'failing', ':at': at, ':failure': failure },
        }),
      ),
    );
  }
}
