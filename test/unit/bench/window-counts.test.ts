import { deployment } from '../../../platform/deployment';
import { type TableUsage, emptyUsage } from '../../../bench/lib/capacity-proxy';
import { type WindowCounts, billableCountsPer, ceilingInputPer, emptyWindowCounts, logTotals, mergeWindowCounts, perUnitBlock } from '../../../bench/lib/window-counts';
import { functions } from '../../../platform/functions';
import { logClassOf } from '../../../bench/lib/log-classes';

/**
 * The counts one operation caused in the window, divided by the units it created: the per-payment,
 * per-payout and per-conversion blocks of the report and the billable units the cost model prices.
 */
const usage = (parts: Partial<TableUsage>): TableUsage => ({ ...emptyUsage(), ...parts });

const payouts: WindowCounts = {
  ...emptyWindowCounts(),
  apiByRoute: { 'POST /v1/payouts': 4, 'POST /v1/fx/quotes': 2 },
  invocations: { createPayout: 4, submitPayout: 4, authorizeMerchant: 6 },
  billedMs: { createPayout: 2000, submitPayout: 800, authorizeMerchant: 300 },
  transitions: { payout: 34 },
  executionsStarted: { payout: 4 },
  modeledTransitions: { 'payout: Paid (the return window closes)': 3 },
  dynamoDb: {
    'xborder-payouts': usage({
      requests: { TransactWriteItems: 8 },
      writeUnits: 40,
      indexWriteUnits: 12,
      replicaWriteUnits: 20,
      readUnits: 6,
      conditionalCheckFailures: 1,
      refusedWriteUnits: 2,
      writeRequests: 8,
      localReported: { writeUnits: 16, indexWriteUnits: 8, readUnits: 3, indexReadUnits: 0 },
    }),
    'xborder-ledger': usage({
      requests: { TransactWriteItems: 4, Query: 2 },
      writeUnits: 24,
      replicaWriteUnits: 12,
      readUnits: 10,
      indexReadUnits: 2,
      cancelledTransactionItems: 2,
      cancelledTransactionWriteUnits: 4,
      writeRequests: 4,
      localReported: { writeUnits: 8, indexWriteUnits: 0, readUnits: 10, indexReadUnits: 1 },
    }),
  },
  localOnlyDynamoDb: { 'engine-store': usage({ requests: { PutItem: 20 } }) },
  kms: { Decrypt: 1 },
  sqsRequests: { SendMessageBatch: 2, ReceiveMessage: 1 },
  logs: { function_logs: { bytes: 8000, events: 20 }, waf_logs: { bytes: 4000, events: 6 } },
};

it('divides every billable count by the units, the modeled transitions with the measured ones', () => {
  const counts = billableCountsPer(payouts, 4);
  const gbSeconds = (2000 / 1000) * (functions.createPayout.memoryMb / 1024) + (800 / 1000) * (functions.submitPayout.memoryMb / 1024) + (300 / 1000) * (functions.authorizeMerchant.memoryMb / 1024);
  expect(counts).toEqual({
    apiRequests: 6 / 4,
    lambdaInvocations: 14 / 4,
    lambdaGbSeconds: expect.closeTo(gbSeconds / 4, 12),
    stepFunctionsTransitions: 37 / 4,
    stepFunctionsExpressRequests: 0,
    stepFunctionsExpressGbSeconds: 0,
    dynamoDbTableWriteUnits: 64 / 4,
    dynamoDbIndexWriteUnits: 12 / 4,
    dynamoDbReplicaWriteUnits: 32 / 4,
    dynamoDbRefusedWriteUnits: 2 / 4,
    dynamoDbCancelledTransactionWriteUnits: 4 / 4,
    dynamoDbReadUnits: 18 / 4,
    dynamoDbFailedConditionalWrites: 1 / 4,
    dynamoDbCancelledTransactionItems: 2 / 4,
    kmsRequests: 1 / 4,
    sqsRequests: 3 / 4,
    logBytes: 12000 / 4,
    logEvents: 26 / 4,
    infrequentAccessLogBytes: 0,
    infrequentAccessLogEvents: 0,
  });
  // No units: zeros, never a division by zero.
  expect(Object.values(billableCountsPer(payouts, 0)).every((value) => value === 0)).toBe(true);
});

it("counts apart the logs of Infrequent Access groups, each source in its group's declared class", () => {
  // The state machines' groups are Infrequent Access (platform/deployment.ts); the functions' and WAF's Standard.
  const withRuns: WindowCounts = { ...payouts, logs: { ...payouts.logs, step_functions_all_level: { bytes: 9000, events: 30 } } };
  const counts = billableCountsPer(withRuns, 4);
  expect(counts).toMatchObject({ logBytes: 21000 / 4, logEvents: 56 / 4, infrequentAccessLogBytes: 9000 / 4, infrequentAccessLogEvents: 30 / 4 });
  expect(logClassOf('step_functions_all_level')).toBe(deployment.logGroupClasses.stateMachines);
  expect(logClassOf('function_metrics_emf')).toBe('STANDARD');
  // The class follows the declaration: with the state machines Standard, nothing is counted apart.
  expect(logClassOf('step_functions_all_level', { ...deployment.logGroupClasses, stateMachines: 'STANDARD' })).toBe('STANDARD');
  // A source written to no declared kind of log group is an error, not a guess.
  expect(() => billableCountsPer({ ...payouts, logs: { vpc_flow_logs: { bytes: 1, events: 1 } } }, 1)).toThrow(/vpc_flow_logs/);
});

it('builds the per-unit block of the report from the same counts', () => {
  const block = perUnitBlock(payouts, 4);
  expect(block.api_requests).toEqual({ total: 1.5, by_route: { 'POST /v1/payouts': 1, 'POST /v1/fx/quotes': 0.5 } });
  expect(block.lambda_invocations.by_function).toEqual({ createPayout: 1, submitPayout: 1, authorizeMerchant: 1.5 });
  expect(block.lambda_mean_duration_ms).toEqual({ createPayout: 500, submitPayout: 200, authorizeMerchant: 50 });
  expect(block.step_functions.transitions).toEqual({ total: 9.25, by_workflow: { payout: 8.5 }, modeled_after_window: { 'payout: Paid (the return window closes)': 0.75 } });
  expect(block.step_functions.executions_started).toEqual({ total: 1, by_workflow: { payout: 1 } });
  // Table writes: successful 64 + refused 2 + cancelled (estimated) 4, over 4 payouts.
  expect(block.dynamodb).toMatchObject({
    write_units: 70 / 4 + 3,
    table_write_units: 70 / 4,
    index_write_units: 3,
    read_units: 4.5,
    replica_write_units_per_replica_region: 8,
    refused_write_units: 0.5,
    cancelled_transaction_write_units_estimated: 1,
    failed_conditional_writes: 0.25,
    cancelled_transaction_items: 0.5,
    dynamodb_local_reported: { write_units: 8, table_write_units: 6, index_write_units: 2, read_units: 3.5 },
  });
  expect(block.dynamodb.by_table['xborder-ledger']).toMatchObject({
    write_units: 7,
    read_units: 2.5,
    index_read_units: 0.5,
    replica_write_units_per_replica_region: 3,
    cancelled_transaction_write_units_estimated: 1,
    requests: { TransactWriteItems: 1, Query: 0.5 },
    dynamodb_local_reported: { write_units: 2, index_write_units: 0, read_units: 2.5, index_read_units: 0.25 },
  });
  expect(block.dynamodb.not_billed_local_only_tables).toEqual({ 'engine-store': { requests: 5 } });
  expect(block.kms_requests).toEqual({ total: 0.25, by_operation: { Decrypt: 0.25 } });
  expect(block.log_bytes).toEqual({ total: 3000, events: 6.5 });
});

it('adds two sets of counts key by key, table by table and source by source', () => {
  const residual: WindowCounts = {
    ...emptyWindowCounts(),
    invocations: { createPayout: 1, getPayment: 2 },
    billedMs: { getPayment: 40 },
    dynamoDb: { 'xborder-ledger': usage({ requests: { Query: 1 }, readUnits: 1 }), 'xborder-payments': usage({ requests: { GetItem: 2 }, readUnits: 2 }) },
    logs: { function_logs: { bytes: 100, events: 1 }, api_gateway_access_logs: { bytes: 50, events: 1 } },
  };
  const merged = mergeWindowCounts(payouts, residual);
  expect(merged.invocations).toEqual({ createPayout: 5, submitPayout: 4, authorizeMerchant: 6, getPayment: 2 });
  expect(merged.dynamoDb['xborder-ledger']).toMatchObject({ requests: { TransactWriteItems: 4, Query: 3 }, readUnits: 11, writeUnits: 24, localReported: { readUnits: 10 } });
  expect(merged.dynamoDb['xborder-payments']?.readUnits).toBe(2);
  expect(merged.logs).toEqual({ function_logs: { bytes: 8100, events: 21 }, waf_logs: { bytes: 4000, events: 6 }, api_gateway_access_logs: { bytes: 50, events: 1 } });
  expect(logTotals(merged)).toEqual({ bytes: 12150, events: 28 });
  // Merging never changes its inputs (the report reuses them).
  expect(payouts.invocations.createPayout).toBe(4);
  expect(mergeWindowCounts(emptyWindowCounts(), payouts)).toEqual(payouts);
});

it('gives the scale ceiling what one unit uses, with each function’s reserved concurrency', () => {
  const input = ceilingInputPer(payouts, 4);
  expect(input).toMatchObject({
    stepFunctionsTransitions: 9.25,
    stepFunctionsStarts: 1,
    kmsRequests: 0.25,
    apiRequests: 1.5,
    webhookRequests: 0,
    stageRateLimit: deployment.apiThrottles.merchant.rateLimit,
    webhookRateLimit: deployment.apiThrottles.webhooks.rateLimit,
  });
  expect(input.dynamoDbTables).toEqual({ 'xborder-payouts': { writeUnits: 13.5, readUnits: 1.5 }, 'xborder-ledger': { writeUnits: 7, readUnits: 3 } });
  expect(input.functions.createPayout).toEqual({ invocations: 1, meanDurationMs: 500, reservedConcurrency: functions.createPayout.reservedConcurrency });
  // A service time from the sequential calibration replaces the window's mean.
  expect(ceilingInputPer(payouts, 4, { createPayout: 120 }).functions.createPayout?.meanDurationMs).toBe(120);
});
