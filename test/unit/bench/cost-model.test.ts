import { type BillableCounts, costPerMillionPayments, costPerMillionUnits, loadPriceTable } from '../../../bench/lib/cost-model';

/**
 * The bill per million payments is counts × prices, line by line, with its sources: a reader must be able
 * to recompute every figure from the JSON, and every price must say where it comes from and when.
 */
const prices = loadPriceTable();

const counts: BillableCounts = {
  apiRequests: 3,
  lambdaInvocations: 12,
  lambdaGbSeconds: 0.5,
  stepFunctionsTransitions: 10,
  stepFunctionsExpressRequests: 1.5,
  stepFunctionsExpressGbSeconds: 0.02,
  dynamoDbTableWriteUnits: 40,
  dynamoDbIndexWriteUnits: 10,
  dynamoDbReplicaWriteUnits: 25,
  dynamoDbRefusedWriteUnits: 1.5,
  dynamoDbCancelledTransactionWriteUnits: 0.5,
  dynamoDbReadUnits: 30,
  dynamoDbFailedConditionalWrites: 0.5,
  dynamoDbCancelledTransactionItems: 0.25,
  kmsRequests: 0.01,
  sqsRequests: 4,
  logBytes: 20_000,
  logEvents: 80,
  infrequentAccessLogBytes: 0,
  infrequentAccessLogEvents: 0,
};

describe('the price table (bench/prices.json)', () => {
  it('gives every price and quota a public https source, a date and how it was checked', () => {
    for (const [id, entry] of [...Object.entries(prices.prices), ...Object.entries(prices.quotas)]) {
      expect({ id, source: entry.source }).toEqual({ id, source: expect.stringMatching(/^https:\/\/(aws\.amazon\.com|docs\.aws\.amazon\.com)\//) });
      expect({ id, date: entry.date }).toEqual({ id, date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
      expect(['design', 'public-page']).toContain(entry.basis);
    }
  });

  it('holds the prices the team verified (../shared/DESIGN.md)', () => {
    const perUnit = (id: string) => (prices.prices[id]?.usd ?? Number.NaN) / (prices.prices[id]?.per ?? Number.NaN);
    expect(perUnit('step_functions_standard_transition')).toBeCloseTo(0.025 / 1000, 12);
    expect(perUnit('step_functions_express_request')).toBeCloseTo(1 / 1e6, 15);
    expect(perUnit('step_functions_express_gb_second')).toBeCloseTo(0.06 / 3600, 15);
    expect(perUnit('dynamodb_write_request_unit')).toBeCloseTo(0.625 / 1e6, 15);
    expect(perUnit('dynamodb_replicated_write_request_unit')).toBeCloseTo(0.625 / 1e6, 15);
    expect(perUnit('dynamodb_read_request_unit')).toBeCloseTo(0.125 / 1e6, 15);
    expect(perUnit('kms_request')).toBeCloseTo(0.03 / 10_000, 12);
    expect(perUnit('lambda_request')).toBeCloseTo(0.2 / 1e6, 15);
    expect(perUnit('lambda_gb_second_arm64')).toBeCloseTo(0.0000133334, 12);
    expect(perUnit('api_gateway_rest_request')).toBeCloseTo(3.5 / 1e6, 15);
    expect(perUnit('cloudwatch_logs_ingestion')).toBe(0.5);
    expect(perUnit('cloudwatch_logs_ingestion_infrequent_access')).toBe(0.25);
    expect(prices.quotas.step_functions_transitions_per_second?.value).toBe(1500);
    expect(prices.quotas.step_functions_start_execution_per_second?.value).toBe(300);
    expect(prices.quotas.step_functions_express_start_per_second?.value).toBe(6000);
  });
});

describe('costPerMillionPayments', () => {
  const cost = costPerMillionPayments(counts, prices);
  const line = (id: string) => cost.lines.find((entry) => entry.id === id);

  it('makes every line quantity × unit price, and the total their sum', () => {
    for (const entry of cost.lines) {
      expect(entry.quantity_per_million_payments).toBeCloseTo(entry.quantity_per_payment * 1e6, 6);
      expect(entry.usd_per_million_payments).toBeCloseTo(entry.quantity_per_million_payments * entry.usd_per_unit, 9);
      const price = prices.prices[entry.price];
      expect(entry.usd_per_unit).toBeCloseTo((price?.usd ?? 0) / (price?.per ?? 1), 15);
    }
    expect(cost.usd_per_million_payments).toBeCloseTo(cost.lines.reduce((sum, entry) => sum + entry.usd_per_million_payments, 0), 9);
    expect(Object.values(cost.by_service).reduce((sum, value) => sum + value, 0)).toBeCloseTo(cost.usd_per_million_payments, 9);
  });

  it('bills writes in both regions (the replica region what it replicates) and everything else once', () => {
    expect(cost.regions).toBe(2);
    expect(line('dynamodb_table_writes_serving_region')?.quantity_per_payment).toBe(40);
    expect(line('dynamodb_table_writes_replica_regions')?.quantity_per_payment).toBe(25);
    expect(line('dynamodb_index_writes')?.quantity_per_payment).toBe(20);
    expect(line('dynamodb_reads')?.quantity_per_payment).toBe(30);
    expect(line('step_functions_transitions')?.usd_per_million_payments).toBeCloseTo(250, 9);
    expect(line('api_gateway_requests')?.usd_per_million_payments).toBeCloseTo(10.5, 9);
    // The webhook delivery queue: requests at the standard rate plus the fair-queue surcharge.
    expect(line('sqs_requests')?.usd_per_million_payments).toBeCloseTo(4 * 0.5, 9);
  });

  it('prices the units counted by AWS rules, refused writes and the cancelled-transaction estimate on their own line', () => {
    expect(line('dynamodb_failed_writes')?.quantity_per_payment).toBeCloseTo(1.5 + 0.5, 12);
    expect(line('dynamodb_failed_writes')?.basis).toBe('estimated');
    for (const id of ['dynamodb_table_writes_serving_region', 'dynamodb_index_writes', 'dynamodb_reads']) {
      expect({ id, how: line(id)?.how }).toEqual({ id, how: expect.stringContaining('AWS billing rules') });
    }
    expect(line('dynamodb_table_writes_serving_region')?.how).toContain('transactional item');
    expect(line('dynamodb_index_writes')?.how).toContain('KEYS_ONLY');
    expect(line('dynamodb_table_writes_replica_regions')?.how).toContain('replicated');
  });

  it('prices logs by binary gigabyte with 26 bytes per event', () => {
    expect(line('cloudwatch_logs')?.quantity_per_payment).toBeCloseTo((20_000 + 26 * 80) / 2 ** 30, 15);
    expect(line('cloudwatch_logs_infrequent_access')?.quantity_per_payment).toBe(0);
  });

  it('prices the bytes of Infrequent Access log groups at that class rate, the Standard share as before', () => {
    // 15 KB and 50 events of the 20 KB and 80 events go to Infrequent Access groups (the Step Functions events).
    const split = costPerMillionPayments({ ...counts, infrequentAccessLogBytes: 15_000, infrequentAccessLogEvents: 50 }, prices);
    const standardOnly = costPerMillionPayments({ ...counts, logBytes: 5_000, logEvents: 30 }, prices);
    const splitLine = (id: string) => split.lines.find((entry) => entry.id === id);
    const standard = splitLine('cloudwatch_logs');
    const infrequent = splitLine('cloudwatch_logs_infrequent_access');
    expect(standard).toEqual(standardOnly.lines.find((entry) => entry.id === 'cloudwatch_logs'));
    expect(standard?.quantity_per_payment).toBeCloseTo((5_000 + 26 * 30) / 2 ** 30, 15);
    expect(infrequent).toMatchObject({ service: 'CloudWatch Logs', price: 'cloudwatch_logs_ingestion_infrequent_access', usd_per_unit: 0.25 });
    expect(infrequent?.quantity_per_payment).toBeCloseTo((15_000 + 26 * 50) / 2 ** 30, 15);
    expect(infrequent?.usd_per_million_payments).toBeCloseTo(((15_000 + 26 * 50) / 2 ** 30) * 1e6 * 0.25, 9);
    expect(split.by_service['CloudWatch Logs']).toBeCloseTo((standard?.usd_per_million_payments ?? 0) + (infrequent?.usd_per_million_payments ?? 0), 12);
    // Cheaper than the same bytes all at the Standard rate, by half of what moved.
    expect((cost.by_service['CloudWatch Logs'] ?? 0) - (split.by_service['CloudWatch Logs'] ?? 0)).toBeCloseTo(((15_000 + 26 * 50) / 2 ** 30) * 1e6 * 0.25, 9);
    // The lines say which sources each class holds, from the platform's declaration.
    expect(infrequent?.what).toContain('step_functions_all_level');
    expect(standard?.what).not.toContain('step_functions_all_level');
    expect(standard?.what).toContain('function_metrics_emf');
  });
});

describe('costPerMillionUnits (payouts, conversions)', () => {
  const payouts = costPerMillionUnits('payout', counts, prices);
  const payments = costPerMillionPayments(counts, prices);

  it('is the same bill as for payments, line by line, with keys named after its unit', () => {
    expect(payouts.unit).toBe('payout');
    expect(payouts.lines.map((entry) => entry.id)).toEqual(payments.lines.map((entry) => entry.id));
    for (const [index, entry] of payouts.lines.entries()) {
      const same = payments.lines[index];
      expect(entry.quantity_per_payout).toBe(same?.quantity_per_payment);
      expect(entry.quantity_per_million_payouts).toBeCloseTo(entry.quantity_per_payout * 1e6, 6);
      expect(entry.usd_per_million_payouts).toBeCloseTo(entry.quantity_per_million_payouts * entry.usd_per_unit, 9);
      expect(entry.usd_per_million_payouts).toBeCloseTo(same?.usd_per_million_payments ?? Number.NaN, 9);
      expect(Object.keys(entry).some((key) => key.includes('payment'))).toBe(false);
    }
    expect(payouts.usd_per_million_payouts).toBeCloseTo(payments.usd_per_million_payments, 9);
    expect(payouts.usd_per_payout).toBeCloseTo(payouts.usd_per_million_payouts / 1e6, 15);
    expect(payouts.by_service).toEqual(payments.by_service);
    expect(payouts.formula).toBe('each line: quantity_per_million_payouts × usd_per_unit = usd_per_million_payouts; total = Σ lines');
  });

  it('prices what one unit caused: a conversion without Step Functions pays nothing for it', () => {
    const conversions = costPerMillionUnits('conversion', { ...counts, stepFunctionsTransitions: 0, stepFunctionsExpressRequests: 0, stepFunctionsExpressGbSeconds: 0, apiRequests: 2 }, prices);
    expect(conversions.by_service['Step Functions']).toBe(0);
    expect(conversions.lines.find((entry) => entry.id === 'api_gateway_requests')?.usd_per_million_conversions).toBeCloseTo(7, 9);
    expect(conversions.usd_per_million_conversions).toBeCloseTo(conversions.lines.reduce((sum, entry) => sum + entry.usd_per_million_conversions, 0), 9);
    const express = 1.5 + (0.02 * 1e6 * 0.06) / 3600;
    expect(conversions.usd_per_million_conversions).toBeCloseTo(payments.usd_per_million_payments - 250 - express - 3.5 - 0.6, 6);
  });
});
