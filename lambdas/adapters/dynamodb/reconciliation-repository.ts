import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BankPayIn, BankPayoutDebit } from '../../domain/reconciliation/statement-matching';
import {
  type BankBooking,
  type BankEntrySide,
  type BookedEntry,
  BreakNotOpenError,
  type BreakFilter,
  type ClaimOutcome,
  type ReconciliationBreak,
  type ReconciliationRepository,
  type ReportRecord,
  type SettlementExpectation,
} from '../../ports/reconciliation-repository';

/**
 * Table `reconciliation` (docs/data-model.md):
 *   report#<channel>#<sha256>     / report           a report received, its status and summary
 *   batch#<channel>#<batch>       / report           the batch's claim by one report (its sha256)
 *   batch#<channel>#<batch>       / exp#list#<key>   captures the batch should hold, one acquirer list's (capture.settled)
 *   brk#<id>                      / break            a break; index `breaks-by-status` (break_status, break_order)
 *   payin#<reference>             / expected         a pay-in an accepted report announced (its payout line)
 *   payins#<currency>#<valueDate> / <reference>      the same, listed by currency and value date
 *   debits#<currency>#<valueDate> / <payout id>     the debit a paid payout is due (decision 0043)
 *   banked#<reference>            / credit|debit|return  the statement entry that booked it (decision 0032), its
 *                                   amount and currency, and the breaks that found it missing first (0043, amended)
 * Every item is written with a condition or is the same content again, so retried tasks change nothing.
 */
type Item = Record<string, unknown>;

const BREAKS_INDEX = 'breaks-by-status';
const reportKey = (channel: string, sha256: string) => ({ pk: `report#${channel}#${sha256}`, sk: 'report' });
const batchPk = (channel: string, batchId: string) => `batch#${channel}#${batchId}`;
const breakKey = (id: string) => ({ pk: `brk#${id}`, sk: 'break' });
const bankedKey = (reference: string, side: BankEntrySide) => ({ pk: `banked#${reference}`, sk: side });
const bookingOf = (item: Item): BankBooking => ({
  ...(item.entry === undefined ? {} : { entry: String(item.entry) }),
  ...(item.amount === undefined ? {} : { amount: Number(item.amount), currency: String(item.currency) }),
  ...(item.unpaidBreak === undefined ? {} : { unpaidBreak: String(item.unpaidBreak) }),
  missingBreaks: item.missingBreaks instanceof Set ? [...(item.missingBreaks as Set<string>)].sort() : [],
});
const breakOrder = (found: Pick<ReconciliationBreak, 'detectedAt' | 'id'>) => `${found.detectedAt}#${found.id}`;

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

const reportItem = (report: ReportRecord): Item => ({ ...reportKey(report.channel, report.sha256), ...report });
const reportOf = (item: Item): ReportRecord => {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as ReportRecord;
};
const breakItem = (found: ReconciliationBreak): Item => ({ ...breakKey(found.id), ...found, break_status: found.status, break_order: breakOrder(found) });
const breakOf = (item: Item): ReconciliationBreak => {
  const { pk: _pk, sk: _sk, break_status: _status, break_order: _order, ...rest } = item;
  return rest as unknown as ReconciliationBreak;
};

/**
 * Expectations (decision 0059): one item per acquirer list and batch, `exp#list#<key>` where the key is the first
 * 32 hex digits of the SHA-256 of its sorted capture ids (as a JSON array), holding the list's captures in `e` (`c` capture, `p`
 * payment, `m` merchant, `a` amount, `cu` currency, `t` announced at when not the item's `at`). The same captures
 * again (a resent list) are the same item, written only if absent, so their first announcement stands; a capture
 * resent in another list is in two items, and is read once, with its earliest announcement. Items of the earlier
 * shape (one per capture, `exp#<capture id>`, the expectation's own fields, no `e`) are read as they are.
 */
const EXPECTATION_PREFIX = 'exp#';
const ENTRIES_PER_ITEM = 50;

/** Each capture once, its earliest announcement, ordered by capture id. */
const earliestByCapture = (expectations: readonly SettlementExpectation[]): SettlementExpectation[] => {
  const byCapture = new Map<string, SettlementExpectation>();
  for (const expectation of expectations) {
    const seen = byCapture.get(expectation.captureId);
    if (!seen || expectation.announcedAt < seen.announcedAt) byCapture.set(expectation.captureId, expectation);
  }
  return [...byCapture.values()].sort((a, b) => (a.captureId < b.captureId ? -1 : a.captureId > b.captureId ? 1 : 0));
};

const expectationItems = (expectations: readonly SettlementExpectation[]): Item[] => {
  const byBatch = new Map<string, SettlementExpectation[]>();
  for (const expectation of expectations) {
    const pk = batchPk(expectation.channel, expectation.batchId);
    const batch = byBatch.get(pk) ?? [];
    batch.push(expectation);
    byBatch.set(pk, batch);
  }
  return [...byBatch].flatMap(([pk, announced]) => {
    // Each capture once and in capture-id order: the same captures always make the same items.
    const batch = earliestByCapture(announced);
    return Array.from({ length: Math.ceil(batch.length / ENTRIES_PER_ITEM) }, (_, chunk) => {
      const entries = batch.slice(chunk * ENTRIES_PER_ITEM, (chunk + 1) * ENTRIES_PER_ITEM);
      const key = createHash('sha256').update(JSON.stringify(entries.map((entry) => entry.captureId))).digest('hex').slice(0, 32);
      const at = entries.map((entry) => entry.announcedAt).sort()[0] as string;
      return {
        pk,
        sk: `${EXPECTATION_PREFIX}list#${key}`,
        at,
        e: entries.map((entry) => ({
          c: entry.captureId,
          p: entry.paymentId,
          m: entry.merchantId,
          a: entry.amount,
          cu: entry.currency,
          ...(entry.announcedAt === at ? {} : { t: entry.announcedAt }),
        })),
      };
    });
  });
};

const expectationsOf = (channel: string, batchId: string, item: Item): SettlementExpectation[] => {
  if (!Array.isArray(item.e)) {
    const { pk: _pk, sk: _sk, ...rest } = item;
    return [rest as unknown as SettlementExpectation];
  }
  return (item.e as Item[]).map((entry) => ({
    channel,
    batchId,
    captureId: String(entry.c),
    paymentId: String(entry.p),
    merchantId: String(entry.m),
    amount: Number(entry.a),
    currency: String(entry.cu),
    announcedAt: String(entry.t ?? item.at),
  }));
};

export class DynamoDbReconciliationRepository implements ReconciliationRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getReport(channel: string, sha256: string): Promise<ReportRecord | undefined> {
    const { Item: item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: reportKey(channel, sha256), ConsistentRead: true }));
    return item ? reportOf(item) : undefined;
  }

  async recordRefusedReport(report: ReportRecord): Promise<ReportRecord> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: reportItem(report), ConditionExpression: 'attribute_not_exists(pk)' }));
      return report;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.getReport(report.channel, report.sha256)) as ReportRecord;
    }
  }

  async claimReport(report: ReportRecord): Promise<ClaimOutcome> {
    if (!report.batchId) throw new RangeError('An accepted report names its batch');
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: reportItem(report), ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: batchPk(report.channel, report.batchId), sk: 'report', sha256: report.sha256, claimed_at: report.receivedAt },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return { outcome: 'claimed' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [file, batch] = error.CancellationReasons ?? [];
      if (file?.Code === 'ConditionalCheckFailed') {
        const existing = await this.getReport(report.channel, report.sha256);
        if (existing) return { outcome: 'same_file', existing };
      }
      if (batch?.Code === 'ConditionalCheckFailed') {
        const { Item: claim } = await this.client.send(
          new GetCommand({ TableName: this.tableName, Key: { pk: batchPk(report.channel, report.batchId), sk: 'report' }, ConsistentRead: true }),
        );
        return { outcome: 'batch_taken', bySha256: String(claim?.sha256 ?? '') };
      }
      throw error;
    }
  }

  async finishReport(channel: string, sha256: string, completedAt: string, summary: Readonly<Record<string, unknown>>): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: reportKey(channel, sha256),
        UpdateExpression: 'SET #status = :done, completedAt = if_not_exists(completedAt, :at), summary = if_not_exists(summary, :summary)',
        ConditionExpression: 'attribute_exists(pk) AND #status IN (:reconciling, :done)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':done': 'reconciled', ':reconciling': 'reconciling', ':at': completedAt, ':summary': summary },
      }),
    );
  }

  async recordExpectations(expectations: readonly SettlementExpectation[]): Promise<void> {
    await Promise.all(
      expectationItems(expectations).map(async (item) => {
        try {
          await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
        } catch (error) {
          // The same captures were recorded before (a list sent again): their first announcement stands.
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  }

  async hasExpectations(channel: string, batchId: string): Promise<boolean> {
    // Every expectation item, of either shape, holds at least one capture.
    const { Items: items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :exp)',
        ExpressionAttributeValues: { ':pk': batchPk(channel, batchId), ':exp': EXPECTATION_PREFIX },
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return items.length > 0;
  }

  async listExpectations(channel: string, batchId: string): Promise<readonly SettlementExpectation[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :exp)',
      ExpressionAttributeValues: { ':pk': batchPk(channel, batchId), ':exp': EXPECTATION_PREFIX },
      ConsistentRead: true,
    });
    return earliestByCapture(items.flatMap((item) => expectationsOf(channel, batchId, item)));
  }

  async recordBreaks(breaks: readonly ReconciliationBreak[]): Promise<number> {
    const written = await Promise.all(
      breaks.map(async (found) => {
        try {
          await this.client.send(new PutCommand({ TableName: this.tableName, Item: breakItem(found), ConditionExpression: 'attribute_not_exists(pk)' }));
          return 1;
        } catch (error) {
          if (isConditionFailure(error)) return 0;
          throw error;
        }
      }),
    );
    return written.reduce<number>((sum, one) => sum + one, 0);
  }

  async getBreak(id: string): Promise<ReconciliationBreak | undefined> {
    const { Item: item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: breakKey(id), ConsistentRead: true }));
    return item ? breakOf(item) : undefined;
  }

  async listBreaks(filter: BreakFilter): Promise<{ breaks: ReconciliationBreak[]; hasMore: boolean }> {
    const filters: string[] = [];
    const names: Record<string, string> = { '#status': 'break_status' };
    const values: Record<string, unknown> = { ':status': filter.status };
    if (filter.kind) {
      filters.push('#kind = :kind');
      names['#kind'] = 'kind';
      values[':kind'] = filter.kind;
    }
    if (filter.merchantId) {
      filters.push('merchantId = :merchant');
      values[':merchant'] = filter.merchantId;
    }
    const breaks: ReconciliationBreak[] = [];
    let startKey: Record<string, unknown> | undefined = filter.after
      ? { ...breakKey(filter.after.id), break_status: filter.status, break_order: breakOrder(filter.after) }
      : undefined;
    // Read one more than the page to know whether there is more; a filter may thin a page out, so keep reading.
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: BREAKS_INDEX,
          KeyConditionExpression: '#status = :status',
          ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: startKey,
          Limit: Math.max(filter.limit + 1, 25),
        }),
      );
      breaks.push(...(page.Items ?? []).map(breakOf));
      startKey = page.LastEvaluatedKey;
    } while (startKey && breaks.length <= filter.limit);
    return { breaks: breaks.slice(0, filter.limit), hasMore: breaks.length > filter.limit };
  }

  async resolveBreak(id: string, resolution: { at: string; by: string; note: string }): Promise<ReconciliationBreak> {
    try {
      const { Attributes: after } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: breakKey(id),
          UpdateExpression: 'SET #status = :resolved, break_status = :resolved, resolvedAt = :at, resolvedBy = :by, resolutionNote = :note',
          ConditionExpression: 'attribute_exists(pk) AND #status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':resolved': 'resolved', ':open': 'open', ':at': resolution.at, ':by': resolution.by, ':note': resolution.note },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return breakOf(after as Item);
    } catch (error) {
      if (isConditionFailure(error)) throw new BreakNotOpenError(`Break ${id} is not open`);
      throw error;
    }
  }

  async recordBankPayIn(payIn: BankPayIn): Promise<void> {
    await Promise.all([
      this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `payin#${payIn.reference}`, sk: 'expected', ...payIn } })),
      this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `payins#${payIn.currency}#${payIn.valueDate}`, sk: payIn.reference, ...payIn } })),
    ]);
  }

  async getBankPayIn(reference: string): Promise<BankPayIn | undefined> {
    const { Item: item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `payin#${reference}`, sk: 'expected' }, ConsistentRead: true }));
    return item ? this.payInOf(item) : undefined;
  }

  async listBankPayIns(currency: string, valueDate: string): Promise<readonly BankPayIn[]> {
    const items = await this.queryAll({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `payins#${currency}#${valueDate}` }, ConsistentRead: true });
    return items.map((item) => this.payInOf(item));
  }

  async recordPayoutDebit(debit: BankPayoutDebit): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `debits#${debit.currency}#${debit.valueDate}`, sk: debit.payoutId, ...debit } }));
  }

  async listPayoutDebits(currency: string, valueDate: string): Promise<readonly BankPayoutDebit[]> {
    const items = await this.queryAll({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `debits#${currency}#${valueDate}` }, ConsistentRead: true });
    return items.map((item) => ({
      payoutId: String(item.payoutId),
      merchantId: String(item.merchantId),
      channel: String(item.channel),
      amount: Number(item.amount),
      currency: String(item.currency),
      valueDate: String(item.valueDate),
    }));
  }

  async claimBankEntry(reference: string, side: BankEntrySide, entryKey: string, booked: BookedEntry): Promise<{ firstEntry: string | null; missingBreaks: readonly string[] }> {
    // `unpaidBreak` once noted is kept: a retry that finds the payout paid meanwhile must not orphan the break its first
    // attempt may have written; the due debit's judging resolves it (and checks the amounts) when the payout is paid.
    const values: Record<string, unknown> = { ':entry': entryKey, ':amount': booked.amount, ':currency': booked.currency };
    if (booked.unpaidBreak) values[':unpaid'] = booked.unpaidBreak;
    try {
      const { Attributes: item = {} } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: bankedKey(reference, side),
          UpdateExpression: `SET entry = :entry, #amount = :amount, #currency = :currency${booked.unpaidBreak ? ', unpaidBreak = if_not_exists(unpaidBreak, :unpaid)' : ''}`,
          ConditionExpression: 'attribute_not_exists(entry) OR entry = :entry',
          ExpressionAttributeNames: { '#amount': 'amount', '#currency': 'currency' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { firstEntry: null, missingBreaks: bookingOf(item).missingBreaks };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { firstEntry: (await this.bankBookingOf(reference, side))?.entry ?? null, missingBreaks: [] };
    }
  }

  async bankBookingOf(reference: string, side: BankEntrySide): Promise<BankBooking | undefined> {
    const { Item: item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: bankedKey(reference, side), ConsistentRead: true }));
    return item ? bookingOf(item) : undefined;
  }

  async noteMissingBankEntry(reference: string, side: BankEntrySide, breakId: string): Promise<'noted' | 'booked'> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: bankedKey(reference, side),
          UpdateExpression: 'ADD missingBreaks :break',
          ConditionExpression: 'attribute_not_exists(entry)',
          ExpressionAttributeValues: { ':break': new Set([breakId]) },
        }),
      );
      return 'noted';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return 'booked';
    }
  }

  private payInOf(item: Item): BankPayIn {
    return { channel: String(item.channel), batchId: String(item.batchId), reference: String(item.reference), amount: Number(item.amount), currency: String(item.currency), valueDate: String(item.valueDate) };
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
