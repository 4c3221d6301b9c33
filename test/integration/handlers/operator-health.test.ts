import { randomUUID } from 'node:crypto';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type LocalCloudWatch, startLocalCloudWatch, tapEmbeddedMetrics } from '../../../local/cloudwatch';
import { invocationIdentity } from '../../../local/iam/function-permissions';
import { deployment } from '../../../platform/deployment';
import { useIsolatedDynamoDb } from '../../support/dynamodb';
import { request } from '../../support/http';
import { type TestKms, useLocalKms } from '../../support/kms';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * GET /v1/health (decision 0041) over real HTTP: the merchant API emulator records its per-method metrics in the
 * local CloudWatch, the events builder's EMF line reaches it through stdout as Lambda hands it over, and the
 * operator route reads them back with the AWS SDK's GetMetricData through the local IAM check (the function may
 * call cloudwatch:GetMetricData, nothing else).
 */
let kms: TestKms;
let apis: LocalApis;
let cloudWatch: LocalCloudWatch;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let untap: () => void;

beforeAll(async () => {
  await useIsolatedDynamoDb();
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  cloudWatch = await startLocalCloudWatch();
  process.env.AWS_ENDPOINT_URL_CLOUDWATCH = cloudWatch.url;
  untap = tapEmbeddedMetrics(cloudWatch.store);
  apis = await startLocalApis({ metrics: cloudWatch.store });
});

afterAll(async () => {
  untap();
  await apis.stop();
  await cloudWatch.stop();
  delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
  await kms.stop();
  await sagas.stop();
});

type Figures = Record<string, number | null>;
type Health = { object: string; minutes: number; start: string; end: string; totals: Figures; per_minute: (Figures & { at: string })[] };

const card = { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } };

it('reports the payment creations the merchant API served, their latency and the authorizations the events builder counted', async () => {
  const onboarded = await apis.asOperator('ops_admin', 'POST', '/v1/merchants', { body: { name: 'Health Check Traders' } });
  const key = onboarded.json.api_key.secret as string;
  const create = (body: unknown) => request(apis.merchantUrl, 'POST', '/v1/payments', { key, body, idempotencyKey: randomUUID() });
  const answers = [await create({ amount: 1500, currency: 'JPY', payment_method: card }), await create({ amount: 2500, currency: 'EUR', payment_method: card }), await create({ amount: -1, currency: 'EUR', payment_method: card })];
  expect(answers.map((answer) => answer.status)).toEqual([201, 201, 422]);
  // A read of another route counts, but not as a payment creation.
  expect((await request(apis.merchantUrl, 'GET', '/v1/payments', { key })).status).toBe(200);

  // What the events builder's stream batch writes (lambdas/handlers/streams/build-events.ts), with Powertools' own EMF.
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const metrics = new Metrics({ namespace: deployment.appName, serviceName: 'not-the-function-name' });
  process.env.POWERTOOLS_METRICS_DISABLED = previous;
  invocationIdentity.run('buildEvents', () => {
    metrics.addMetric('PaymentsAuthorized', MetricUnit.Count, 2);
    metrics.addMetric('PaymentsFailedUnauthorized', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  });

  const answer = await apis.asOperator('ops_viewer', 'GET', '/v1/health', { query: { minutes: 5 } });
  expect(answer.status).toBe(200);
  const health = answer.json as Health;
  expect(health).toMatchObject({ object: 'platform_health', minutes: 5 });
  expect(Date.parse(health.end) - Date.parse(health.start)).toBe(5 * 60_000);
  expect(health.totals).toMatchObject({
    payments_requested: 3,
    payments_authorized: 2,
    payments_failed_unauthorized: 1,
    authorization_rate: 0.6667,
    server_errors: 0,
    function_errors: 0,
    throttles: 0,
  });
  expect(health.totals.payments_per_second).toBeGreaterThan(0);
  expect(health.totals.latency_p50_ms).toBeGreaterThan(0);
  expect(Number(health.totals.latency_p99_ms)).toBeGreaterThanOrEqual(Number(health.totals.latency_p50_ms));
  expect(health.per_minute).toHaveLength(5);
  // The requests fell in the last minute or two (a minute may have turned meanwhile): the minutes add up to the window.
  expect(health.per_minute.slice(0, 3).every((minute) => minute.payments_per_second === 0 && minute.latency_p50_ms === null)).toBe(true);
  const active = health.per_minute.filter((minute) => minute.latency_p50_ms !== null);
  expect(active.length).toBeGreaterThanOrEqual(1);
  expect(answer.text).not.toContain('4242');
});

it('answers ops_viewer and ops_admin alike; refuses a window out of range or an unknown parameter, naming it', async () => {
  expect((await apis.asOperator('ops_admin', 'GET', '/v1/health')).json).toMatchObject({ minutes: 15 });
  for (const minutes of ['0', '181', '1.5', 'an hour']) {
    const refused = await apis.asOperator('ops_viewer', 'GET', '/v1/health', { query: { minutes } });
    expect(refused.json).toMatchObject({ status: 422, code: 'validation_error', errors: [{ field: 'minutes', message: 'must be an integer from 1 to 180' }] });
  }
  const unknown = await apis.asOperator('ops_viewer', 'GET', '/v1/health', { query: { window: 5 } });
  expect(unknown.status).toBe(422);
  expect(unknown.text).toContain('window');
});
