import { type InvocationSubject, idTokensOf } from '../../../bench/lib/attribution';
import type { PartitionCharge } from '../../../bench/lib/capacity-metering';
import { type PartitionRequest, attributeRequests, merchantNamedBy, oneMerchantCeiling } from '../../../bench/lib/hot-partitions';

/**
 * The hot merchant (bench/lib/hot-partitions.ts): the window's units per partition key value, the values
 * more than one payment shared, each divided by the payments it serves, and the lowest of 1,000 ÷ write
 * units and 3,000 ÷ read units per payment. Hand-made tables of charges; each figure worked out below.
 */
const payments = 'xborder-payments';
const ledger = 'xborder-ledger';
const payouts = 'xborder-payouts';

/** One request by run `run` consuming `writeUnits` (and `readUnits`) on one partition key value. */
const touch = (run: number, table: string, partition: string | null, writeUnits: number, readUnits = 0, index?: string): PartitionRequest => ({
  partitions: [{ table, ...(index === undefined ? {} : { index }), partition, writeUnits, readUnits }],
  touchers: [`run:${run}`],
});

/**
 * 80 payments, 40 per merchant (even runs mer_alpha, odd mer_beta): each creates its own payment item
 * (4 units, its own partition) and one KEYS_ONLY list-index entry of 1 unit, over `shards` list partitions.
 */
const listed = { payments: 80, paymentsByMerchant: { mer_alpha: 40, mer_beta: 40 } };
const listIndexWindow = (shards: number): PartitionRequest[] =>
  Array.from({ length: 80 }, (_, run) => {
    const merchant = run % 2 === 0 ? 'mer_alpha' : 'mer_beta';
    const shard = shards === 1 ? `${merchant}#payment` : `${merchant}#payment#${Math.floor(run / 2) % shards}`;
    return [touch(run, payments, `pay_${run}`, 4), touch(run, payments, shard, 1, 0, 'merchant-objects')];
  }).flat();
const perMerchant = { mer_alpha: 50, mer_beta: 50 };

describe('the one-merchant ceiling', () => {
  it('gives a list index spread over 4 shards 4 times the ceiling of an unsharded one', () => {
    // Act
    const unsharded = oneMerchantCeiling({ requests: listIndexWindow(1), ...listed });
    const sharded = oneMerchantCeiling({ requests: listIndexWindow(4), ...listed });
    // Assess: 1 unit per payment of the merchant on one partition → 1,000/s; a quarter of it on each of 4 → 4,000/s.
    expect(unsharded.payments_per_second).toBeCloseTo(1000, 9);
    expect(unsharded.binding).toMatchObject({ table: payments, index: 'merchant-objects', partition: '<merchant>#payment', scope: 'merchant', limited_by: 'write', units_per_payment: 1 });
    expect(sharded.payments_per_second).toBeCloseTo(4000, 9);
    expect(sharded.binding).toMatchObject({ scope: 'merchant', limited_by: 'write', units_per_payment: 0.25 });
    expect(sharded.binding?.partition).toMatch(/^<merchant>#payment#[0-3]$/);
    // Both merchants' copies of a shard are one row: 4 shard templates, not 8.
    expect(sharded.top).toHaveLength(4);
  });

  it('leaves out a partition key value only one payment touched, however many units it took', () => {
    // Act
    const result = oneMerchantCeiling({ requests: listIndexWindow(4), ...listed });
    // Assess: every payment item took 4 units (250/s if it counted); none is in the list.
    expect(result.top.map((entry) => entry.partition)).not.toContain('pay_0');
    expect(result.counts).toMatchObject({ partition_values: 88, shared: 8, merchant_scoped: 8, platform_scoped: 0, single_payment: 80 });
  });

  it('divides a platform-scoped value by every payment of the window, a merchant-scoped one by the merchant’s', () => {
    // Prepare: a saga-start shard every payment writes 2 units to (200 units), a merchant balance partition
    // each of mer_alpha's 50 payments writes 3 units to (150 units).
    const requests = [
      ...Array.from({ length: 100 }, (_, run) => touch(run, payments, 'saga#us-east-1#3', 2, 0, 'saga-starts')),
      ...Array.from({ length: 50 }, (_, index) => touch(index * 2, ledger, 'bal#mer_alpha', 3)),
    ];
    // Act
    const result = oneMerchantCeiling({ requests, payments: 100, paymentsByMerchant: perMerchant });
    // Assess: 200 / 100 = 2 units per payment → 500/s; 150 / 50 = 3 per payment of mer_alpha → 333/s.
    const of = (partition: string) => result.top.find((entry) => entry.partition === partition);
    expect(of('saga#us-east-1#3')).toMatchObject({ scope: 'platform', write_units_per_payment: 2, payments_per_second: 500, payments_touching: 100 });
    expect(of('bal#<merchant>')).toMatchObject({ scope: 'merchant', write_units_per_payment: 3, payments_touching: 50 });
    expect(result.binding?.partition).toBe('bal#<merchant>');
    expect(result.payments_per_second).toBeCloseTo(1000 / 3, 9);
  });

  it('binds on reads when 3,000 ÷ read units is the lower', () => {
    // Prepare: every payment reads 4 units from, and writes 1 unit to, its merchant's home partition.
    const requests = Array.from({ length: 100 }, (_, run) => touch(run, ledger, run % 2 === 0 ? 'home#mer_alpha' : 'home#mer_beta', 1, 4));
    // Act
    const result = oneMerchantCeiling({ requests, payments: 100, paymentsByMerchant: perMerchant });
    // Assess: writes 1,000 / 1 = 1,000/s, reads 3,000 / 4 = 750/s.
    expect(result.binding).toMatchObject({ partition: 'home#<merchant>', limited_by: 'read', units_per_payment: 4, write_payments_per_second: 1000, read_payments_per_second: 750 });
  });

  it('charges no partition for a Scan, and counts its units apart', () => {
    const result = oneMerchantCeiling({ requests: [touch(0, payments, null, 0, 8), touch(1, payments, null, 0, 2)], payments: 2, paymentsByMerchant: { mer_alpha: 1, mer_beta: 1 } });
    expect(result).toMatchObject({ payments_per_second: null, binding: null, top: [], counts: { partition_values: 0, unpartitioned_read_units: 10 } });
  });

  it.each([
    ['mer_demo_pixelforge#payment#2', 'mer_demo_pixelforge'],
    ['bal#mer_demo_northwind#3', 'mer_demo_northwind'],
    ['mer_demo_northwind#5', 'mer_demo_northwind'],
    ['mer_demo_northwind#payout', 'mer_demo_northwind'],
    ['chain#mer_demo_northwind#us-east-1#7', 'mer_demo_northwind'],
    ['mer_abcd', 'mer_abcd'],
    ['saga#us-east-1#3', undefined],
    ['j#b2c3d4e5f6', undefined],
    ['pay_aaaaaaaaaaaaaaaaaaaaaaaaaa', undefined],
    ['customer_mer_abcd', undefined],
  ])('reads the merchant id %s names: %s', (partition, merchant) => {
    expect(merchantNamedBy(partition)).toBe(merchant);
  });
});

describe('which runs a request served', () => {
  const charge = (table: string, partition: string, writeUnits = 1): PartitionCharge => ({ table, partition, writeUnits, readUnits: 0 });
  const body = (value: unknown) => JSON.stringify(value);
  const paymentA = 'pay_aaaaaaaaaaaaaaaaaaaaaaaaaa';
  const paymentB = 'pay_bbbbbbbbbbbbbbbbbbbbbbbbbb';
  // The acquirer's capture ids, as run 0's and run 1's capture steps store them on their payments.
  const captureA = 'cap_a2a2a2a2a2a2a2a2a2a2a2a2';
  const captureB = 'cap_b3b3b3b3b3b3b3b3b3b3b3b3';
  const subjects = new Map<string, InvocationSubject>([
    ['1', { key: 'createPayment', run: '0', tokens: [] }],
    ['2', { key: 'capturePayment', tokens: [paymentA] }],
    ['3', { key: 'createPayment', run: '1', tokens: [] }],
    ['4', { key: 'capturePayment', tokens: [paymentB] }],
    ['5', { key: 'receiveChannelEvent', tokens: [captureA, 'evt_c4c4c4c4c4c4c4c4c4c4c4c4', 'sk_test_shared_by_all_2'] }],
    ['6', { key: 'receiveChannelEvent', tokens: ['cap_nobody777nobody777nobody'] }],
  ]);
  const runs = [
    { sequence: 0, paymentId: paymentA },
    { sequence: 1, paymentId: paymentB },
  ];

  it('takes the run header first, then the run objects the event names, then the one run whose requests carried an id the event names', () => {
    // Prepare: each run creates its payment (header), captures it (a task naming the payment) and stores the
    // acquirer's capture id; both runs' writes carry the merchant's key. The webhook names run 0's capture.
    const requests = [
      { invocation: '1', body: body({ Item: { pk: { S: paymentA }, key: { S: 'sk_test_shared_by_all_2' } } }), partitions: [charge(payments, paymentA), charge(ledger, 'bal#mer_alpha')] },
      { invocation: '2', body: body({ Item: { pk: { S: paymentA }, cap: { S: captureA } } }), partitions: [charge(payments, paymentA)] },
      { invocation: '3', body: body({ Item: { pk: { S: paymentB }, key: { S: 'sk_test_shared_by_all_2' } } }), partitions: [charge(payments, paymentB), charge(ledger, 'bal#mer_alpha')] },
      { invocation: '4', body: body({ Item: { pk: { S: paymentB }, cap: { S: captureB } } }), partitions: [charge(payments, paymentB)] },
      { invocation: '5', body: body({ TransactItems: [] }), partitions: [charge(ledger, 'pos#pay_a'), charge(ledger, 'bal#mer_alpha')] },
      { invocation: '6', body: '{}', partitions: [charge(ledger, 'pos#nobody')] },
      { body: '{}', partitions: [charge(ledger, 'pos#nobody')] },
    ];
    // Act
    const attributed = attributeRequests(requests, subjects, runs);
    // Assess: the shared key (both runs' writes carry it) does not decide; the capture id does.
    expect(attributed.map((request) => request.touchers)).toEqual([['run:0'], ['run:0'], ['run:1'], ['run:1'], ['run:0'], ['invocation:receiveChannelEvent:6'], ['invocation:none']]);
  });

  it('ties a rail message to the payout whose saga stored its reference in an update', () => {
    // Prepare: run 2's payout task (its event names the payout) records the rail's reference; the rail's
    // file later names only that reference, joined to a date, and reads the payout and the reference's item.
    const payout = 'po_cccccccccccccccccccccccccc';
    const reference = 'XBCEVRJ42TFOQLR';
    const payoutSubjects = new Map<string, InvocationSubject>([
      ['7', { key: 'submitPayout', tokens: [payout] }],
      ['8', { key: 'receivePayoutRailEvents', tokens: idTokensOf({ body: `ACK_${reference}_20261206133102_8\n` }) }],
    ]);
    const update = body({ Key: { pk: { S: payout } }, UpdateExpression: 'SET rr = :r', ExpressionAttributeValues: { ':r': { S: reference } } });
    const requests = [
      { invocation: '7', body: update, partitions: [charge(payouts, payout)] },
      { invocation: '8', body: body({ Key: { pk: { S: `rail#meridian#${reference}` } } }), partitions: [charge(payouts, `rail#meridian#${reference}`, 0)] },
      { invocation: '8', body: body({ Key: { pk: { S: payout } } }), partitions: [charge(payouts, payout)] },
    ];
    // Act
    const attributed = attributeRequests(requests, payoutSubjects, [{ sequence: 2, payoutId: payout }]);
    // Assess
    expect(attributed.map((request) => request.touchers)).toEqual([['run:2'], ['run:2'], ['run:2']]);
  });

  it('reads id-like tokens in every string of an event, a body inside it too, not words, amounts or dates', () => {
    // Prepare: a rail's message as a text body, a JSON body inside it, a field whose value is a word.
    const event = { headers: { 'x-bench-run': '3' }, body: 'line one\nREF123456789XYZ\n{"capture":"cap_a2a2a2a2a2a2a2a2a2a2a2a2","amount":"1000000000000","at":"2026-12-06T12:00:00Z"}', field_name_only: 'payment_reference' };
    // Act
    const tokens = idTokensOf(event);
    // Assess
    expect(tokens.sort()).toEqual(['REF123456789XYZ', 'a2a2a2a2a2a2a2a2a2a2a2a2', 'cap_a2a2a2a2a2a2a2a2a2a2a2a2']);
  });
});
