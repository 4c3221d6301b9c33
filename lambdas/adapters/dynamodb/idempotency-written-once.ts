import { ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
  PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

const { statusAttr, expiryAttr, inProgressExpiryAttr, dataAttr, validationKeyAttr } = PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS;

/**
 * Powertools' DynamoDB idempotency store, writing each record once: the answer, at the end
 * (docs/decisions/0048-idempotency-record-written-once.md). Powertools writes a record twice: an `INPROGRESS`
 * Put before the function runs (its guard against a concurrent duplicate) and an Update with the answer
 * after; 1 write unit each. For an endpoint whose function guards concurrent duplicates itself, with a
 * conditional write it makes anyway (the payment create: the card hold's conditional Put and the payment's
 * conditional insert), the first write buys nothing. This layer, through the store's documented extension
 * points (the four `_…Record` methods Powertools calls; "bring your own persistence layer"), keeps every
 * other behaviour:
 * - before the function runs it reads the record (strongly consistent, as Powertools reads) instead of
 *   writing one: a completed record, or an `INPROGRESS` one written by Powertools' own layer (a request in
 *   flight across a deployment), is handed to Powertools as its failed Put would hand it, so the replay,
 *   422 on a different request and 409 while in progress are Powertools' own; an expired record (lapsed
 *   window, lapsed in-progress lease: the conditions of Powertools' Put) counts as none;
 * - the answer is one PutItem of the same attributes Powertools' Update sets, on the condition that no live
 *   record of another request holds the key (that one keeps it; this answer is still given, not stored);
 * - nothing is deleted when the function fails: nothing was written for it.
 * Attribute names are Powertools' defaults (the only ones this platform configures).
 */
export class WrittenOnceDynamoDbPersistenceLayer extends DynamoDBPersistenceLayer {
  private readonly table: string;
  private readonly dynamoDb: DynamoDBClient;

  constructor(options: { readonly tableName: string; readonly awsSdkV3Client: DynamoDBClient }) {
    super(options);
    this.table = options.tableName;
    this.dynamoDb = options.awsSdkV3Client;
  }

  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    let existing: IdempotencyRecord;
    try {
      existing = await this._getRecord(record.idempotencyKey);
    } catch (error) {
      if (error instanceof IdempotencyItemNotFoundError) return;
      throw error;
    }
    const now = Date.now();
    const lapsed =
      (existing.expiryTimestamp !== undefined && existing.expiryTimestamp < now / 1000) ||
      (existing.getStatus() === IdempotencyRecordStatus.INPROGRESS && existing.inProgressExpiryTimestamp !== undefined && existing.inProgressExpiryTimestamp < now);
    if (lapsed) return;
    throw new IdempotencyItemAlreadyExistsError(`Failed to put record for already existing idempotency key: ${record.idempotencyKey}`, existing);
  }

  protected override async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const now = Date.now();
    try {
      await this.dynamoDb.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...this.getKey(record.idempotencyKey),
            ...marshall(
              {
                [expiryAttr]: record.expiryTimestamp,
                [statusAttr]: record.getStatus(),
                [dataAttr]: record.responseData,
                [validationKeyAttr]: record.payloadHash,
              },
              { removeUndefinedValues: true },
            ),
          },
          ConditionExpression: 'attribute_not_exists(#status) OR #expiry < :now OR #validation = :validation OR (#status = :inProgress AND #inProgressExpiry < :nowMs)',
          ExpressionAttributeNames: { '#status': statusAttr, '#expiry': expiryAttr, '#validation': validationKeyAttr, '#inProgressExpiry': inProgressExpiryAttr },
          ExpressionAttributeValues: marshall({
            ':now': now / 1000,
            ':nowMs': now,
            ':validation': record.payloadHash ?? '',
            ':inProgress': IdempotencyRecordStatus.INPROGRESS,
          }),
        }),
      );
    } catch (error) {
      // Another request's live record holds the key (a different request that got there first): it stays.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  protected override async _deleteRecord(): Promise<void> {
    // Nothing was written before the answer: nothing to remove when the function fails.
  }
}
