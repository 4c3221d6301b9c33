import { type IncomingHttpHeaders, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CAUSES,
  OPERATION_HEADER,
  WORKFLOW_OPERATION,
  causeDelta,
  causeOf,
  installOperationTracker,
  requestCause,
  splitByShares,
  staticOperationOf,
  withResidualOnPayments,
} from '../../../bench/lib/attribution';
import { startCapacityProxy } from '../../../bench/lib/capacity-proxy';
import type { LambdaHost } from '../../../local/lambda-host';
import { functions } from '../../../platform/functions';
import { stateMachineKeys } from '../../../platform/state-machines';

/**
 * Every count of the benchmark goes to the operation that caused it (payment, conversion, payout): the
 * rules that name the operation, the arithmetic that splits a total by what the tracker saw, and the
 * tracker itself (the scope of an invocation reaches what the function does, however deep).
 */
const empty = () => ({ payment: {}, conversion: {}, payout: {}, unattributed: {} }) as Record<(typeof CAUSES)[number], Record<string, number>>;

describe('which operation an invocation serves', () => {
  it('places every state machine, and so every saga task function, under one operation', () => {
    expect(Object.keys(WORKFLOW_OPERATION).sort()).toEqual([...stateMachineKeys].sort());
    const taskFunctions = Object.entries(functions).filter(([, declaration]) => declaration.invokedBy === 'step-functions');
    expect(taskFunctions.length).toBeGreaterThan(0);
    for (const [key] of taskFunctions) expect({ key, operation: staticOperationOf(key) }).toEqual({ key, operation: expect.stringMatching(/^(payment|payout)$/) });
    expect(staticOperationOf('submitPayout')).toBe('payout');
    expect(staticOperationOf('postRefundToLedger')).toBe('payment');
  });

  it('gives the event receivers to what sends them, and the merchant-facing functions to nobody by themselves', () => {
    expect(staticOperationOf('receiveChannelEvent')).toBe('payment');
    expect(staticOperationOf('receivePayoutRailEvents')).toBe('payout');
    for (const key of ['createPayment', 'createPayout', 'createConversion', 'createFxQuote', 'authorizeMerchant']) expect(staticOperationOf(key)).toBeUndefined();
  });

  it("takes the merchant request's header first (any case), and refuses values that are not an operation", () => {
    expect(causeOf('createFxQuote', { headers: { 'X-Bench-Operation': 'payout' } })).toBe('payout');
    expect(causeOf('authorizeMerchant', { headers: { 'x-bench-operation': 'conversion' } })).toBe('conversion');
    expect(causeOf('createFxQuote', { headers: { 'x-bench-operation': 'refund' } })).toBe('unattributed');
    expect(causeOf('createFxQuote', {})).toBe('unattributed');
    expect(causeOf('createFxQuote', null)).toBe('unattributed');
    // A task function's static operation, whatever its event holds.
    expect(causeOf('reservePayoutFunds', { payoutId: 'po_1' })).toBe('payout');
  });

  it('attributes an API request by the cause a function saw for it; unseen webhooks are the payments', () => {
    const seen = new Map([['r1', 'payout' as const]]);
    expect(requestCause({ requestId: 'r1', path: '/v1/payouts' }, seen)).toBe('payout');
    expect(requestCause({ requestId: 'r2', path: '/v1/channel_events/atlas' }, seen)).toBe('payment');
    expect(requestCause({ requestId: 'r3', path: '/v1/payouts' }, seen)).toBe('unattributed');
  });
});

describe('splitting the window', () => {
  it('takes differences cause by cause and leaves zeros out', () => {
    const before = { ...empty(), payment: { a: 2, b: 5 } };
    const after = { ...empty(), payment: { a: 5, b: 5 }, payout: { c: 1 } };
    expect(causeDelta(before, after)).toEqual({ ...empty(), payment: { a: 3 }, payout: { c: 1 } });
  });

  it('splits a total in proportion to what each cause was seen using, the parts adding up to the total', () => {
    const split = splitByShares({ createPayout: 900, getPayment: 10, unseen: 7 }, { ...empty(), payment: { getPayment: 1 }, payout: { createPayout: 1 }, conversion: { createPayout: 2 } });
    expect(split.payout.createPayout).toBeCloseTo(300, 9);
    expect(split.conversion.createPayout).toBeCloseTo(600, 9);
    expect(split.payment).toEqual({ getPayment: 10 });
    // Nobody saw it: the whole total is unattributed, never dropped.
    expect(split.unattributed).toEqual({ unseen: 7 });
    const parts = CAUSES.reduce((sum, cause) => sum + Object.values(split[cause]).reduce((a, b) => a + b, 0), 0);
    expect(parts).toBeCloseTo(917, 9);
  });

  it('carries the unattributed residual with the payments and leaves the other operations alone', () => {
    const merged = withResidualOnPayments({ payment: [1], conversion: [2], payout: [3], unattributed: [4] }, (a, b) => [...a, ...b]);
    expect(merged).toEqual({ payment: [1, 4], conversion: [2], payout: [3] });
  });
});

describe('the operation tracker', () => {
  /** A LambdaHost whose functions are given as plain async functions (the tracker only wraps `invoke`). */
  const fakeHost = (handlers: Record<string, (event: any) => Promise<unknown>>) => {
    const host = {
      invoke: async (key: string, event: unknown) => {
        const handler = handlers[key];
        if (!handler) throw new Error(`no function ${key}`);
        return handler(event);
      },
    };
    return host as unknown as LambdaHost & typeof host;
  };

  let server: ReturnType<typeof createServer>;
  let seenHeaders: IncomingHttpHeaders[];
  let target: string;
  beforeAll(async () => {
    seenHeaders = [];
    server = createServer((incoming, answer) => {
      seenHeaders.push(incoming.headers);
      answer.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seenHeaders.length = 0;
  });

  const post = (headers: Record<string, string> = {}) =>
    new Promise<void>((resolve, reject) => {
      const outgoing = request(`http://${target}/`, { method: 'POST', headers }, (answer) => {
        answer.resume();
        answer.on('end', resolve);
      });
      outgoing.on('error', reject);
      outgoing.end('{}');
    });

  it('counts invocations per cause and function, with their durations, also when they fail', async () => {
    const host = fakeHost({
      createPayout: async () => 'ok',
      reservePayoutFunds: async () => {
        throw new Error('boom');
      },
    });
    const tracker = installOperationTracker(host);
    try {
      await host.invoke('createPayout', { headers: { [OPERATION_HEADER]: 'payout' }, requestContext: { requestId: 'req-1' } });
      await expect(host.invoke('reservePayoutFunds', {})).rejects.toThrow('boom');
      await host.invoke('createPayout', { headers: {} });
      const snapshot = tracker.snapshot();
      expect(snapshot.invocations).toEqual({ ...empty(), payout: { createPayout: 1, reservePayoutFunds: 1 }, unattributed: { createPayout: 1 } });
      expect(Object.keys(snapshot.durationMs.payout).sort()).toEqual(['createPayout', 'reservePayoutFunds']);
      expect(tracker.requestCauses.get('req-1')).toBe('payout');
      expect(tracker.inFlight).toBe(0);
    } finally {
      tracker.uninstall();
    }
  });

  it("puts the cause on the DynamoDB requests a function makes, however deep in its async work, and counts its KMS requests per operation", async () => {
    const host = fakeHost({
      createConversion: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await post();
        return 'ok';
      },
      settlePayout: async () => {
        await Promise.resolve();
        await post({ 'X-Amz-Target': 'TrentService.GenerateDataKey' });
      },
    });
    const tracker = installOperationTracker(host, { dynamoDbHost: target });
    try {
      await host.invoke('createConversion', { headers: { [OPERATION_HEADER]: 'conversion' } });
      await host.invoke('settlePayout', {});
      // Outside any invocation: no header.
      await post();
      expect(seenHeaders.map((headers) => headers[OPERATION_HEADER] ?? null)).toEqual(['conversion', 'payout', null]);
    } finally {
      tracker.uninstall();
    }
    const kmsTracker = installOperationTracker(host, { kmsHost: target });
    try {
      await host.invoke('settlePayout', {});
      expect(kmsTracker.snapshot().kms).toEqual({ ...empty(), payout: { GenerateDataKey: 1 } });
    } finally {
      kmsTracker.uninstall();
    }
  });

  it('gives a nested invocation its own cause, and log lines to the invocation writing them', async () => {
    const host = fakeHost({
      createPayout: async () => {
        tracker.countLogLine('function', 100);
        await host.invoke('reservePayoutFunds', {});
        tracker.countLogLine('metrics', 10);
      },
      reservePayoutFunds: async () => {
        tracker.countLogLine('function', 7);
        return tracker.current();
      },
    });
    const tracker = installOperationTracker(host);
    try {
      await host.invoke('createPayout', { headers: { [OPERATION_HEADER]: 'conversion' } });
      tracker.countLogLine('function', 1);
      const snapshot = tracker.snapshot();
      expect(snapshot.functionLogs).toMatchObject({ conversion: { bytes: 100, events: 1 }, payout: { bytes: 7, events: 1 }, unattributed: { bytes: 1, events: 1 } });
      expect(snapshot.metrics.conversion).toEqual({ bytes: 10, events: 1 });
      expect(snapshot.invocations).toEqual({ ...empty(), conversion: { createPayout: 1 }, payout: { reservePayoutFunds: 1 } });
    } finally {
      tracker.uninstall();
    }
  });

  it('tells listeners when each invocation ends, and restores the host on uninstall', async () => {
    const host = fakeHost({ awaitPayout: async () => undefined });
    const original = host.invoke;
    const tracker = installOperationTracker(host);
    const ended: unknown[] = [];
    tracker.onInvocationEnd((end) => ended.push({ key: end.key, cause: end.cause, failed: end.failed }));
    await host.invoke('awaitPayout', { payoutId: 'po_1', wait: 'confirmation' });
    expect(ended).toEqual([{ key: 'awaitPayout', cause: 'payout', failed: false }]);
    tracker.uninstall();
    expect(host.invoke).toBe(original);
  });
});

describe('the counting proxy, per operation', () => {
  it('counts each request under the operation its header names (unattributed without one), strips the header, and the parts make the totals', async () => {
    const upstreamHeaders: IncomingHttpHeaders[] = [];
    // A stand-in for DynamoDB: every PutItem consumes 1 table and 2 index units; a refused one answers the exception.
    const upstream = createServer((incoming, answer) => {
      upstreamHeaders.push(incoming.headers);
      incoming.resume();
      incoming.on('end', () => {
        if (incoming.headers['x-refuse'] === 'yes') {
          answer.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException' }));
          return;
        }
        answer.end(JSON.stringify({ ConsumedCapacity: { TableName: 'xborder-payouts', CapacityUnits: 3, Table: { CapacityUnits: 1 }, GlobalSecondaryIndexes: { byMerchant: { CapacityUnits: 2 } } } }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const proxy = await startCapacityProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    try {
      const put = (headers: Record<string, string>) =>
        fetch(proxy.endpoint, { method: 'POST', headers: { 'X-Amz-Target': 'DynamoDB_20120810.PutItem', ...headers }, body: JSON.stringify({ TableName: 'xborder-payouts', Item: {} }) });
      await put({ [OPERATION_HEADER]: 'payout' });
      await put({ [OPERATION_HEADER]: 'payout' });
      await put({ [OPERATION_HEADER]: 'conversion', 'X-Refuse': 'yes' });
      await put({});
      const byCause = proxy.snapshotByCause();
      // No table schema given: only DynamoDB Local's report is kept (test/integration/bench covers the AWS-rules counts).
      expect(byCause.payout['xborder-payouts']).toMatchObject({ requests: { PutItem: 2 }, localReported: { writeUnits: 2, indexWriteUnits: 4 }, writeRequests: 2 });
      expect(byCause.conversion['xborder-payouts']).toMatchObject({ requests: { PutItem: 1 }, localReported: { writeUnits: 0 }, conditionalCheckFailures: 1 });
      expect(byCause.unattributed['xborder-payouts']).toMatchObject({ requests: { PutItem: 1 }, localReported: { writeUnits: 1, indexWriteUnits: 2 } });
      expect(byCause.payment).toEqual({});
      expect(proxy.snapshot()['xborder-payouts']).toMatchObject({ requests: { PutItem: 4 }, localReported: { writeUnits: 3, indexWriteUnits: 6 }, conditionalCheckFailures: 1, writeRequests: 3 });
      expect(upstreamHeaders.map((headers) => headers[OPERATION_HEADER])).toEqual([undefined, undefined, undefined, undefined]);
    } finally {
      await proxy.stop();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});
