import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoDbAuditLog } from '../../../lambdas/adapters/dynamodb/audit-log';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { onboardMerchant } from '../../../lambdas/use-cases/onboard-merchant';
import { type DynamoDbFaultProxy, dynamoDbErrors, startDynamoDbFaultProxy } from '../../../local/faults/dynamodb-fault-proxy';
import { localOperatorArn } from '../../../local/iam/operators';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { suiteDynamoDbEndpoint, useIsolatedDynamoDb } from '../../support/dynamodb';

/**
 * What an API invocation leaves in CloudWatch Logs (docs/operations.md, "Logs"): one line, written when it
 * answers. `request handled` (INFO) names the operation, API Gateway's request id, the merchant and the
 * status, and carries what the invocation did worth keeping: a command's audit anchor (the chain's new
 * head), the operator who asked. A 5xx writes `request failed` (ERROR) with the error instead. Nothing the
 * log group already says (the function's name, ARN, memory). Metric lines only for news (a 5xx, a cold
 * start): API Gateway's per-method metrics count the requests.
 */
type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyResult>;
type Line = Record<string, unknown>;
type Written = { response: APIGatewayProxyResult; lines: Line[]; metrics: Line[] };

let proxy: DynamoDbFaultProxy;
let audit: DynamoDbAuditLog;
let merchants: DynamoDbMerchantRepository;
let createKey: Handler;
let listKeys: Handler;
let onboard: Handler;

/** The JSON log lines the call writes to stdout and stderr (the Powertools logger's streams, both read by Lambda). */
const linesOf = async (call: () => Promise<APIGatewayProxyResult>): Promise<Written> => {
  const written: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams) {
    stream.write = ((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    }) as typeof stream.write;
  }
  try {
    const response = await call();
    const json = written.join('').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Line);
    return { response, lines: json.filter((line) => 'level' in line), metrics: json.filter((line) => '_aws' in line) };
  } finally {
    streams.forEach((stream, index) => {
      stream.write = writes[index] as typeof stream.write;
    });
  }
};

const merchantWithKey = async () => {
  const onboarded = await onboardMerchant({ merchants, now: () => new Date() }, { name: 'Logged' });
  return { merchantId: onboarded.merchant.id, keyId: onboarded.key.keyId };
};

const createKeyEvent = (caller: { merchantId: string; keyId: string }, idempotencyKey: string) => {
  const event = apiGatewayEvent({ method: 'POST', resource: '/v1/api_keys', merchantId: caller.merchantId, headers: { 'Idempotency-Key': idempotencyKey }, body: {} });
  return { ...event, requestContext: { ...event.requestContext, authorizer: { ...event.requestContext.authorizer, keyId: caller.keyId } } };
};

const asOperator = (event: APIGatewayProxyEvent, userArn: string) => ({ ...event, requestContext: { ...event.requestContext, identity: { ...event.requestContext.identity, userArn } } });

const WHAT_THE_LOG_GROUP_SAYS = ['function_arn', 'function_name', 'function_memory_size', 'sampling_rate', 'service'];

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(suiteDynamoDbEndpoint());
  const db = await useIsolatedDynamoDb(proxy.endpoint);
  audit = new DynamoDbAuditLog(db.documentClient, tableName('audit'), deployment.primaryRegion);
  merchants = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
  // As the functions run in AWS: the declared log level (platform/deployment.ts), metrics on; set before the
  // handlers build their logger and metrics.
  process.env.POWERTOOLS_LOG_LEVEL = deployment.functionLogLevels.application;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  ({ handler: createKey } = (await import('../../../lambdas/handlers/api/create-api-key')) as { handler: Handler });
  ({ handler: listKeys } = (await import('../../../lambdas/handlers/api/list-api-keys')) as { handler: Handler });
  ({ handler: onboard } = (await import('../../../lambdas/handlers/ops/onboard-merchant')) as { handler: Handler });
});

afterEach(() => proxy.clear());
afterAll(() => proxy.stop());

describe('a merchant command', () => {
  it('writes one line: the request, and the audit chain head it appended', async () => {
    const caller = await merchantWithKey();
    const event = createKeyEvent(caller, randomUUID());
    const context = lambdaContext('xborder-create-api-key');
    const { response, lines } = await linesOf(() => createKey(event, context));
    expect(response.statusCode).toBe(201);
    const [entry] = (await audit.list(caller.merchantId, { limit: 1 })).entries;
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'request handled',
        function_request_id: context.awsRequestId,
        api_request_id: event.requestContext.requestId,
        merchant_id: caller.merchantId,
        status: 201,
        audit_chain: `${caller.merchantId}@${deployment.primaryRegion}/${entry?.stripe}`,
        audit_seq: entry?.seq,
        audit_hash: entry?.hash,
        audit_action: 'api_key.create',
        audit_target: JSON.parse(response.body).id,
      }),
    ]);
    for (const key of WHAT_THE_LOG_GROUP_SAYS) expect(lines[0]).not.toHaveProperty(key);
  });

  it('writes one line without an anchor for a replay (nothing appended) and for a query', async () => {
    const caller = await merchantWithKey();
    const idempotencyKey = randomUUID();
    await createKey(createKeyEvent(caller, idempotencyKey), lambdaContext('xborder-create-api-key'));
    const replay = await linesOf(() => createKey(createKeyEvent(caller, idempotencyKey), lambdaContext('xborder-create-api-key')));
    const listEvent = createKeyEvent(caller, randomUUID());
    const list = await linesOf(() => listKeys({ ...listEvent, httpMethod: 'GET', body: null }, lambdaContext('xborder-list-api-keys')));
    for (const { response, lines } of [replay, list]) {
      expect(response.statusCode).toBeLessThan(300);
      expect(lines).toEqual([expect.objectContaining({ level: 'INFO', message: 'request handled', merchant_id: caller.merchantId })]);
      expect(lines[0]).not.toHaveProperty('audit_hash');
    }
  });

  it('writes one ERROR line with the error instead when it answers 5xx, and a ServerErrors metric', async () => {
    const caller = await merchantWithKey();
    proxy.inject({ operation: 'PutItem', when: (request) => request.TableName === tableName('audit'), error: dynamoDbErrors.internal(), times: 10 });
    const { response, lines, metrics } = await linesOf(() => createKey(createKeyEvent(caller, randomUUID()), lambdaContext('xborder-create-api-key')));
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(lines).toEqual([expect.objectContaining({ level: 'ERROR', message: 'request failed', status: response.statusCode, error: expect.objectContaining({ name: expect.any(String) }) })]);
    // (and Powertools' ColdStart, if this was the endpoint's first invocation)
    expect(metrics.filter((metric) => !('ColdStart' in metric))).toEqual([expect.objectContaining({ ServerErrors: 1, operation: 'createApiKey' })]);
  });

  it('writes no metric line for a request answered below 500 once warm: API Gateway counts requests per method', async () => {
    const caller = await merchantWithKey();
    const listEvent = createKeyEvent(caller, randomUUID());
    const call = () => listKeys({ ...listEvent, httpMethod: 'GET', body: null }, lambdaContext('xborder-list-api-keys'));
    await call();
    const { response, metrics } = await linesOf(call);
    expect(response.statusCode).toBe(200);
    expect(metrics).toEqual([]);
  });
});

describe('an operator request', () => {
  const onboardEvent = () => apiGatewayEvent({ method: 'POST', resource: '/v1/merchants', body: { name: 'Onboarded' } });

  it('writes one line naming the operator, with the anchor of what it changed', async () => {
    const { response, lines } = await linesOf(() => onboard(asOperator(onboardEvent(), localOperatorArn('ops_admin')), lambdaContext('xborder-ops-onboard-merchant')));
    expect(response.statusCode).toBe(201);
    const merchantId = JSON.parse(response.body).id;
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'request handled',
        status: 201,
        operator_arn: localOperatorArn('ops_admin'),
        operator_role: 'ops_admin',
        audit_chain: expect.stringMatching(new RegExp(`^${merchantId}@${deployment.primaryRegion}/\\d+$`)),
        audit_action: 'merchant.onboard',
      }),
    ]);
  });

  it('names the operator it refused', async () => {
    const { response, lines } = await linesOf(() => onboard(asOperator(onboardEvent(), localOperatorArn('ops_viewer')), lambdaContext('xborder-ops-onboard-merchant')));
    expect(response.statusCode).toBe(403);
    expect(lines).toEqual([expect.objectContaining({ message: 'request handled', status: 403, operator_arn: localOperatorArn('ops_viewer'), operator_role: 'ops_viewer' })]);
    expect(lines[0]).not.toHaveProperty('audit_hash');
  });
});
