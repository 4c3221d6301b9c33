import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbPaymentRepository } from '../../../lambdas/adapters/dynamodb/payment-repository';
import { StaleVersionError } from '../../../lambdas/domain/errors';
import { type Payment, newPayment } from '../../../lambdas/domain/payment';
import { recordAuthorization, recordAwaitingCapture, recordScreening, requestCapture, reserveRefund } from '../../../lambdas/domain/payment-lifecycle';
import { newRefund } from '../../../lambdas/domain/refund';
import { timelineOf } from '../../../lambdas/domain/payment-timeline';
import { tableName } from '../../../platform/tables';
import { type DynamoDbFaultProxy, dynamoDbErrors, startDynamoDbFaultProxy } from '../../../local/faults/dynamodb-fault-proxy';
import { suiteDynamoDbEndpoint, useIsolatedDynamoDb } from '../../support/dynamodb';

const payment = (merchantId: string, index: number, createdAt = new Date(Date.UTC(2026, 10, 21, 12, 0, index))): Payment =>
  newPayment({
    id: `pay_${merchantId}_${String(index).padStart(3, '0')}`,
    merchantId,
    amount: 100 + index,
    currency: 'USD',
    captureMethod: 'manual',
    card: { brand: 'visa', bin: '424242', last4: '4242', exp_month: 12, exp_year: 2030, token: `tok_${merchantId}_${index}`, fingerprint: 'v1.test' },
    description: null,
    metadata: { order: String(index) },
    requestFingerprint: `fp-${index}`,
    now: createdAt,
  });

describe('DynamoDbPaymentRepository (DynamoDB Local, through a fault proxy)', () => {
  let repository: DynamoDbPaymentRepository;
  let proxy: DynamoDbFaultProxy;
  let itemOf: (id: string) => Promise<Record<string, unknown> | undefined>;
  const now = new Date('2026-11-21T12:00:00Z');

  beforeAll(async () => {
    proxy = await startDynamoDbFaultProxy(suiteDynamoDbEndpoint());
    const { documentClient } = await useIsolatedDynamoDb(proxy.endpoint);
    repository = new DynamoDbPaymentRepository(documentClient, tableName('payments'), 'us-east-1');
    itemOf = async (id) => (await documentClient.send(new GetCommand({ TableName: tableName('payments'), Key: { pk: id, sk: 'payment' }, ConsistentRead: true }))).Item;
  });
  afterEach(() => proxy.clear());
  afterAll(() => proxy.stop());

  it('stores a payment once: a second insert with the same id returns the first, unchanged', async () => {
    const first = payment('mer_once', 1);
    await expect(repository.insert(first)).resolves.toEqual({ created: true, payment: first });
    const second = { ...first, amount: 999, requestFingerprint: 'other' };
    await expect(repository.insert(second)).resolves.toEqual({ created: false, payment: first });
    await expect(repository.get(first.id)).resolves.toEqual(first);
    await expect(repository.events(first.id)).resolves.toEqual(timelineOf(first));
    expect((await repository.events(first.id)).map((event) => event.type)).toEqual(['payment.created']);
  });

  it('lists a merchant\'s payments newest first, page by page, without gaps or repeats', async () => {
    const all = Array.from({ length: 25 }, (_, index) => payment('mer_list', index));
    await Promise.all(all.map((item) => repository.insert(item)));
    const other = payment('mer_other', 99);
    await repository.insert(other);

    const seen: string[] = [];
    let after: Payment | undefined;
    const hasMoreFlags: boolean[] = [];
    do {
      const page = await repository.listByMerchant('mer_list', { limit: 10, after });
      seen.push(...page.payments.map((item) => item.id));
      hasMoreFlags.push(page.hasMore);
      after = page.hasMore ? page.payments.at(-1) : undefined;
    } while (after);

    expect(seen).toEqual(all.map((item) => item.id).reverse());
    expect(hasMoreFlags).toEqual([true, true, false]);
  });

  it('applies transitions in order with their events, and refuses one computed from a stale version', async () => {
    const created = payment('mer_transitions', 1);
    await repository.insert(created);
    const routed = recordScreening(created, { decision: 'approve', score: 0, reasons: [] }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true, strategy: 'least_cost' }, now);
    await repository.apply(routed);
    const authorized = recordAuthorization(routed.payment, { authorizationId: 'auth_1', amountAuthorized: 101, expiresAt: '2026-11-28T12:00:00Z' }, now);
    await repository.apply(authorized);

    // A second change computed from the routed version (someone else moved on meanwhile) must not apply.
    const stale = recordScreening(routed.payment, { decision: 'approve', score: 0, reasons: [] }, { channel: 'boreal', reason: 'least_cost', plan: ['boreal'], failover: true, strategy: 'least_cost' }, now);
    await expect(repository.apply(stale)).rejects.toBeInstanceOf(StaleVersionError);

    await expect(repository.get(created.id, { consistent: true })).resolves.toEqual(authorized.payment);
    const events = await repository.events(created.id);
    expect(events.map((event) => [event.version, event.type])).toEqual([
      [1, 'payment.created'],
      [2, 'payment.screened'],
      [3, 'payment.authorized'],
    ]);
  });

  it('keeps the capture window\'s task token beside the payment, the latest one winning', async () => {
    const created = payment('mer_tasks', 1);
    await repository.insert(created);
    const authorized = recordAuthorization(created, { authorizationId: 'auth_2', amountAuthorized: 101, expiresAt: '2026-11-28T12:00:00Z' }, now);
    await repository.apply(authorized);
    await repository.apply(recordAwaitingCapture(authorized.payment, now));
    await expect(repository.waitingTask(created.id, 'capture')).resolves.toBeUndefined();
    await repository.saveWaitingTask(created.id, { purpose: 'capture', token: 'token-1' });
    await repository.saveWaitingTask(created.id, { purpose: 'capture', token: 'token-2' });
    await expect(repository.waitingTask(created.id, 'capture')).resolves.toEqual({ purpose: 'capture', token: 'token-2' });
    expect((await repository.get(created.id, { consistent: true }))?.status).toBe('requires_capture');
  });

  it('marks a payment for the recovery sweeper only in a later flight (a capture or cancel request), and names the writing region', async () => {
    // A creation flight: no marker (the sweeper finds it through the list index), the region that wrote it
    const created = payment('mer_markers', 1);
    await repository.insert(created);
    const inserted = await itemOf(created.id);
    expect(inserted).not.toHaveProperty('saga_shard');
    expect(inserted).not.toHaveProperty('saga_pending_since');
    expect(inserted?.rg).toEqual(expect.any(String));
    const authorized = recordAuthorization(created, { authorizationId: 'auth_3', amountAuthorized: 101, expiresAt: '2026-11-28T12:00:00Z' }, now);
    await repository.apply(authorized);
    const waiting = recordAwaitingCapture(authorized.payment, now);
    await repository.apply(waiting);
    expect(await itemOf(created.id)).not.toHaveProperty('saga_shard');
    // A later flight: marked, since the request
    const later = new Date(now.getTime() + 60_000);
    const capture = requestCapture(waiting.payment, 101, later, 'cmd_1');
    await repository.apply(capture);
    expect(await itemOf(created.id)).toMatchObject({ saga_pending_since: later.toISOString(), saga_shard: expect.stringMatching(/^saga#/) });
  });

  it('creates a refund and its reservation on the payment in one write', async () => {
    const created = { ...payment('mer_refunds', 1), status: 'succeeded' as const, amountReceived: 101 };
    await repository.insert(created);
    const refund = newRefund({ id: 're_test_1', merchantId: created.merchantId, paymentId: created.id, amount: 40, currency: 'USD', reason: null, requestFingerprint: 'f', now });
    const reserved = reserveRefund(created, { refundId: refund.id, amount: 40 }, now);
    await repository.apply(reserved, { newRefund: refund });
    await expect(repository.getRefund(refund.id)).resolves.toEqual(refund);
    expect((await repository.get(created.id, { consistent: true }))?.amountRefundPending).toBe(40);
  });

  it('writes a payment change as one conditional put of one item, and a refund with its payment as the only transaction', async () => {
    const created = payment('mer_one_write', 1);
    await repository.insert(created);
    const before = { ...proxy.counts.seen };
    await repository.apply(recordAuthorization(created, { authorizationId: 'auth_4', amountAuthorized: 101, expiresAt: '2026-11-28T12:00:00Z' }, now));
    expect((proxy.counts.seen.PutItem ?? 0) - (before.PutItem ?? 0)).toBe(1);
    expect((proxy.counts.seen.TransactWriteItems ?? 0) - (before.TransactWriteItems ?? 0)).toBe(0);
    expect((proxy.counts.seen.UpdateItem ?? 0) - (before.UpdateItem ?? 0)).toBe(0);
  });

  it('retries transaction conflicts (which DynamoDB Local never raises) until the refund and its payment are written', async () => {
    const created = { ...payment('mer_conflicts', 1), status: 'succeeded' as const, amountReceived: 101 };
    await repository.insert(created);
    const refund = newRefund({ id: 're_conflict_1', merchantId: created.merchantId, paymentId: created.id, amount: 10, currency: 'USD', reason: null, requestFingerprint: 'f', now });
    proxy.inject({ operation: 'TransactWriteItems', error: dynamoDbErrors.transactionConflict(2), times: 3 });
    await repository.apply(reserveRefund(created, { refundId: refund.id, amount: 10 }, now), { newRefund: refund });
    expect(proxy.counts.faulted.TransactWriteItems).toBe(3);
    await expect(repository.getRefund(refund.id, { consistent: true })).resolves.toEqual(refund);
    expect((await repository.get(created.id, { consistent: true }))?.amountRefundPending).toBe(10);
  });

  it('answers undefined for an unknown id', async () => {
    await expect(repository.get('pay_unknown')).resolves.toBeUndefined();
  });
});
