import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../../platform/tables';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * Failover without double authorization (docs/decisions/0017-routing-health-and-failover.md), through the
 * real payment ASL, the real handlers, DynamoDB Local and the acquirer simulators. 5.00 EUR is cheaper at
 * atlas, so atlas is every payment's first channel and boreal its next. Each test checks the payment's
 * answer, its recorded routing decisions, and the charges from each simulator's own records.
 */
let harness: SagaHarness;
const merchant = 'mer_failover_tests';
const noFailoverMerchant = 'mer_failover_off';

beforeAll(async () => {
  harness = await startSagaHarness();
  await harness.db.documentClient.send(
    new PutCommand({
      TableName: tableName('merchants'),
      Item: { pk: `merchant#${noFailoverMerchant}`, sk: 'profile', id: noFailoverMerchant, name: 'No failover', status: 'active', createdAt: new Date().toISOString(), routing: { failover: false } },
    }),
  );
});
afterEach(() => Promise.all([harness.channelFaults('atlas', 0), harness.channelFaults('boreal', 0)]));
afterAll(() => harness.stop());

const pay = async (merchantId = merchant) => {
  const created = await harness.createPayment(merchantId, { amount: 500, currency: 'EUR', payment_method: card(freshCardNumber()) });
  expect(created.status).toBe(201);
  const run = await harness.finished('payment', created.json.id);
  return { id: created.json.id as string, answer: created.json, run };
};

const timeline = async (id: string, merchantId = merchant) =>
  (await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id } }, merchantId)).json.data as { type: string; data: Record<string, unknown> }[];

it('routes by least cost and records why: atlas first, boreal next', async () => {
  const { id, answer } = await pay();
  expect(answer).toMatchObject({ status: 'succeeded' });
  const screened = (await timeline(id)).find((event) => event.type === 'payment.screened');
  expect(screened?.data).toMatchObject({ channel: 'atlas', routing_reason: 'least_cost' });
  expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1 });
  expect(await harness.totals('boreal', id)).toBeUndefined();
});

it('fails over to the next channel when the first answers errors and says it recorded nothing: one charge, at boreal', async () => {
  // Prepare: atlas answers 503 to every POST (nothing recorded), its lookups still answer
  await harness.channelFaults('atlas', 1);
  // Act
  const { id, answer, run } = await pay();
  // Assess: succeeded at boreal; atlas never recorded an authorization
  expect(answer).toMatchObject({ status: 'succeeded', amount_received: 500 });
  expect(await harness.totals('atlas', id)).toBeUndefined();
  expect(await harness.totals('boreal', id)).toMatchObject({ approved: 1, captures: 1 });
  const events = await timeline(id);
  expect(events.map((event) => event.type)).toEqual(['payment.created', 'payment.screened', 'payment.rerouted', 'payment.authorized', 'payment.succeeded']);
  expect(events[2]?.data).toMatchObject({ from_channel: 'atlas', channel: 'boreal', reason: 'channel_unavailable' });
  // The execution history shows the decision: Authorize, then Authorize again after the Choice
  expect((await harness.enteredStates(run.executionArn!)).filter((state) => state === 'Authorize')).toHaveLength(2);
});

it('never fails over after an ambiguous timeout that did authorize: the lookup finds it, one charge, at atlas', async () => {
  // Prepare: atlas records and applies every authorization, then holds its answer past the client's timeout
  await harness.channelFaults('atlas', 0, 1);
  // Act
  const { id, answer } = await pay();
  // Assess: the authorization atlas made is the payment's; boreal never saw the payment (a blind failover would charge twice)
  expect(answer).toMatchObject({ status: 'succeeded' });
  expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1 });
  expect(await harness.totals('boreal', id)).toBeUndefined();
  expect((await timeline(id)).map((event) => event.type)).not.toContain('payment.rerouted');
});

it('does not fail over for a merchant that turned failover off: the payment fails, boreal never sees it', async () => {
  await harness.channelFaults('atlas', 1);
  const { id, answer } = await pay(noFailoverMerchant);
  expect(answer).toMatchObject({ status: 'failed', failure_code: 'processing_error' });
  expect(await harness.totals('boreal', id)).toBeUndefined();
  expect(await harness.totals('atlas', id)).toBeUndefined();
});

it('never fails over on a guess: when the first channel cannot be asked, the payment stays at it', async () => {
  // Prepare: atlas unreachable: the authorization and every lookup fail (connection refused)
  await harness.acquirers.atlas.stop();
  try {
    // Act
    const created = await harness.createPayment(merchant, { amount: 500, currency: 'EUR', payment_method: card(freshCardNumber()) });
    const id = created.json.id as string;
    await harness.finished('payment', id);
    // Assess: boreal never saw it; the payment did not move and is not succeeded (its recovery keeps asking atlas)
    expect(await harness.totals('boreal', id)).toBeUndefined();
    const payment = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id } }, merchant)).json;
    expect(payment.status).not.toBe('succeeded');
    expect((await timeline(id)).map((event) => event.type)).not.toContain('payment.rerouted');
  } finally {
    await harness.restartAcquirer('atlas');
  }
});
