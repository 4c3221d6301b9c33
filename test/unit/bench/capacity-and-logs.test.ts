import { type CapacityCounts, type TableUsage, addConsumedCapacity, capacityDelta, emptyUsage, tablesOf } from '../../../bench/lib/capacity-proxy';
import { FIREWALL_LIMITS, WAF_LOGGING_FILTER } from '../../../lib/constructs/merchant-api-firewall';
import { accessLogLine, classifyOutputLine, platformRecordsKept, resourceOf, stepFunctionsLogRecord, wafActionsFor, wafLogRecord, wafLoggingKeeps } from '../../../bench/lib/log-volume';

/** What the counting proxy and the log model make of DynamoDB answers and of output lines. */
describe('consumed capacity', () => {
  it('names the tables a request touches, once each', () => {
    expect(tablesOf('PutItem', { TableName: 'a' })).toEqual(['a']);
    expect(tablesOf('TransactWriteItems', { TransactItems: [{ Put: { TableName: 'a' } }, { Update: { TableName: 'b' } }, { ConditionCheck: { TableName: 'a' } }] })).toEqual(['a', 'b']);
    expect(tablesOf('BatchGetItem', { RequestItems: { a: {}, c: {} } })).toEqual(['a', 'c']);
  });

  it("keeps DynamoDB Local's own report apart: table and index units, writes from reads, lists from single answers", () => {
    const counts: CapacityCounts = {};
    addConsumedCapacity(counts, 'PutItem', { TableName: 'a', CapacityUnits: 6, Table: { CapacityUnits: 3 }, GlobalSecondaryIndexes: { g: { CapacityUnits: 3 } } });
    addConsumedCapacity(counts, 'TransactWriteItems', [{ TableName: 'a', CapacityUnits: 6, Table: { CapacityUnits: 4 }, GlobalSecondaryIndexes: { g: { CapacityUnits: 2 } } }]);
    addConsumedCapacity(counts, 'Query', { TableName: 'a', CapacityUnits: 0.5, Table: { CapacityUnits: 0 }, GlobalSecondaryIndexes: { g: { CapacityUnits: 0.5 } } });
    addConsumedCapacity(counts, 'GetItem', { TableName: 'b', CapacityUnits: 1 });
    expect(counts.a?.localReported).toEqual({ writeUnits: 7, indexWriteUnits: 5, readUnits: 0, indexReadUnits: 0.5 });
    expect(counts.b?.localReported).toMatchObject({ readUnits: 1, writeUnits: 0 });
    // The AWS-rules counts come from the meter, not from Local's answer.
    expect(counts.a).toMatchObject({ writeUnits: 0, indexWriteUnits: 0, readUnits: 0 });
  });

  it('reports what changed between two snapshots', () => {
    const usage = (writeUnits: number, puts: number): TableUsage => ({
      ...emptyUsage(),
      requests: { PutItem: puts },
      writeUnits,
      writeRequests: puts,
      localReported: { readUnits: 0, indexReadUnits: 0, writeUnits: writeUnits / 2, indexWriteUnits: 0 },
    });
    const delta = capacityDelta({ a: usage(2, 2) }, { a: usage(5, 4), b: usage(1, 1) });
    expect(delta.a).toMatchObject({ writeUnits: 3, requests: { PutItem: 2 }, localReported: { writeUnits: 1.5 } });
    expect(delta.b).toMatchObject({ writeUnits: 1 });
    expect(capacityDelta({ a: usage(2, 2) }, { a: usage(2, 2) })).toEqual({});
  });
});

describe('log lines', () => {
  it('tells function logs and EMF metrics from the rest of the local output', () => {
    expect(classifyOutputLine(JSON.stringify({ level: 'INFO', message: 'request handled', timestamp: 'now', function_request_id: 'r1' }))).toBe('function');
    expect(classifyOutputLine(JSON.stringify({ level: 'WARN', message: 'task failed', timestamp: 'now' }))).toBe('function');
    expect(classifyOutputLine(JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [] }, Requests: 1 }))).toBe('metrics');
    expect(classifyOutputLine(JSON.stringify({ level: 'WARN', simulator: 'atlas', message: 'webhook refused' }))).toBe('other');
    expect(classifyOutputLine('[step-functions] something')).toBe('other');
  });

  it('maps a request path to its declared route resource', () => {
    expect(resourceOf('POST', '/v1/payments/pay_123/capture')).toBe('/v1/payments/{id}/capture');
    expect(resourceOf('GET', '/v1/payments?limit=10')).toBe('/v1/payments');
    expect(resourceOf('POST', '/v1/channel_events/atlas')).toBe('/v1/channel_events/{channel}');
    expect(resourceOf('GET', '/v1/nowhere')).toBeUndefined();
  });

  it('logs Step Functions events without execution data, as level ALL with includeExecutionData false does', () => {
    const record = JSON.parse(
      stepFunctionsLogRecord(
        { id: 5, previousEventId: 4, timestamp: new Date(0), type: 'TaskSucceeded', taskSucceededEventDetails: { resource: 'invoke', resourceType: 'lambda', output: '{"card":"4242"}', outputDetails: { truncated: false } } },
        'arn:aws:states:us-east-1:000000000000:execution:xborder-payment:pay_1',
      ),
    );
    expect(record).toEqual({ id: '5', type: 'TaskSucceeded', details: { resource: 'invoke', resourceType: 'lambda' }, previous_event_id: '4', event_timestamp: '0', execution_arn: 'arn:aws:states:us-east-1:123456789012:execution:xborder-payment:pay_1', redrive_count: '0' });
  });

  it.each([
    ['DEBUG', 10, 1, 10],
    ['INFO', 10, 1, 10],
    ['WARN', 10, 0, 0],
    ['WARN', 10, 3, 3],
  ] as const)('at system log level %s, of %i invocations with %i failed, counts the platform records of %i', (level, invocations, failed, kept) => {
    expect(platformRecordsKept(level, invocations, failed)).toBe(kept);
  });

  it.each([
    ['an ordinary request', 180, false],
    ['a body the common rule set counts (over 8 KB)', 9_000, true],
    ['a body the firewall blocks (over 64 KB)', 70_000, true],
  ] as const)('keeps the WAF record of %s: %s bytes -> %s', (_name, bodyBytes, kept) => {
    expect(wafLoggingKeeps(WAF_LOGGING_FILTER, wafActionsFor(bodyBytes, FIREWALL_LIMITS.maxBodyBytes))).toBe(kept);
  });

  it('applies the first logging filter a record meets, else the default', () => {
    const filter = {
      DefaultBehavior: 'KEEP',
      Filters: [
        { Behavior: 'DROP', Requirement: 'MEETS_ALL', Conditions: [{ ActionCondition: { Action: 'ALLOW' } }, { ActionCondition: { Action: 'COUNT' } }] },
        { Behavior: 'KEEP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'COUNT' } }] },
      ],
    };
    expect(wafLoggingKeeps(filter, ['ALLOW', 'COUNT'])).toBe(false);
    expect(wafLoggingKeeps(filter, ['BLOCK', 'COUNT'])).toBe(true);
    expect(wafLoggingKeeps(filter, ['ALLOW'])).toBe(true);
  });

  it('fills the stage access-log format and redacts the Authorization header in WAF records', () => {
    const line = accessLogLine('{"requestId":"$context.requestId","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status"}', { method: 'GET', path: '/v1/payments/pay_1', status: 200 });
    expect(JSON.parse(line)).toMatchObject({ httpMethod: 'GET', resourcePath: '/v1/payments/{id}', status: '200' });
    const waf = wafLogRecord({ method: 'POST', path: '/v1/payments', headers: { Authorization: 'Bearer sk_test_secret', 'Content-Length': '70000' }, actions: ['BLOCK'] });
    expect(waf).not.toContain('sk_test_secret');
    expect(JSON.parse(waf)).toMatchObject({ action: 'BLOCK', terminatingRuleId: 'BodyOver64KB' });
  });
});
