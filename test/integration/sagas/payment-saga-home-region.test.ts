import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { verifyLedger } from '../../../lambdas/adapters/dynamodb/ledger-verifier';
import { ledgerPostingDeps } from '../../../lambdas/wiring/ledger';
import { setHomeRegion } from '../../../lambdas/use-cases/ledger/set-home-region';
import { type DynamoDbFaultProxy, startDynamoDbFaultProxy } from '../../../local/faults/dynamodb-fault-proxy';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { suiteDynamoDbEndpoint } from '../../support/dynamodb';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * Each merchant's money moves in its home region only (docs/decisions/0004-ledger-multi-region.md,
 * 0024-home-region-routing-and-moves.md). A request that lands elsewhere, or while a move is under way, is
 * refused by the merchant API before anything is written (421 `wrong_region`, 409 `home_region_moving`). A
 * fence that arrives while a payment's workflow runs never captures and then refunds: before the capture the
 * hold is voided; after it the posting is held (the run hands over) and the recovery books it once the ledger
 * is writable again. The API handlers, the real payment ASL on the local engine, DynamoDB Local and the
 * acquirer simulators; the marker is changed at chosen moments through a proxy in front of DynamoDB Local.
 */
let harness: SagaHarness;
let proxy: DynamoDbFaultProxy;
const here = deployment.primaryRegion;
const elsewhere = deployment.secondaryRegion;
let merchantSeq = 0;
const newMerchant = () => `mer_home_${process.pid}_${(merchantSeq += 1)}`;

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(suiteDynamoDbEndpoint());
  harness = await startSagaHarness({ dynamoDbEndpoint: proxy.endpoint });
});
afterEach(() => proxy.clear());
afterAll(async () => {
  await harness.stop();
  await proxy.stop();
});

const markerDeps = () => ({ ledger: ledgerPostingDeps().ledger, primaryRegion: here, now: () => new Date() });
const setHome = async (merchantId: string, change: { region?: string; fenced: boolean; moveTo?: string }) =>
  expect(await setHomeRegion(markerDeps(), { merchantId, ...change })).toBeDefined();
const get = async (id: string, merchantId: string) => (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id } }, merchantId)).json;
const ledgerIsBalanced = async () => expect((await verifyLedger(harness.db.documentClient, tableName('ledger'))).differences).toEqual([]);
const paymentItemsOf = async (merchantId: string) =>
  ((await harness.db.documentClient.send(new ScanCommand({ TableName: tableName('payments'), ConsistentRead: true }))).Items ?? []).filter((item) =>
    JSON.stringify(item).includes(merchantId),
  );
const recoveries = async (id: string) =>
  ((await harness.engine.listExecutions({ stateMachineArn: harness.engine.stateMachineArn('sagaRecovery'), maxResults: 1000 })).executions ?? []).filter((execution) =>
    execution.name?.startsWith(`${id}-`),
  );

/**
 * Change the merchant's marker while the `nth` read of its marker (the API's check is the 1st, Capture's the
 * 2nd, the posting's the 3rd) is held back: the step that made the read sees the new marker.
 */
const changeMarkerAtRead = (merchantId: string, nth: number, change: Parameters<typeof setHome>[1]) => {
  let reads = 0;
  let changing = false;
  let done: Promise<void> | undefined;
  proxy.inject({
    operation: 'GetItem',
    delayMs: 600,
    times: 1,
    when: (request) => {
      if (changing || request.TableName !== tableName('ledger') || !JSON.stringify(request.Key ?? {}).includes(`home#${merchantId}#`)) return false;
      reads += 1;
      if (reads !== nth) return false;
      changing = true;
      done = setHome(merchantId, change);
      return true;
    },
  });
  return { changed: () => done ?? Promise.reject(new Error(`the marker of ${merchantId} was read fewer than ${nth} times`)) };
};

describe('the merchant API refuses money movements outside the home region, changing nothing', () => {
  it('answers 421 wrong_region naming the home for a payment of a merchant homed elsewhere; the same key works once it is home here', async () => {
    const merchantId = newMerchant();
    await setHome(merchantId, { region: elsewhere, fenced: false });
    const body = { amount: 1500, currency: 'USD', payment_method: card(freshCardNumber()) };
    const refused = await harness.api({ method: 'POST', resource: '/v1/payments' }, merchantId, body, 'key-wrong-region');
    expect(refused).toMatchObject({ status: 421, json: { code: 'wrong_region', status: 421 } });
    expect(refused.json.detail).toContain(elsewhere);
    expect(await paymentItemsOf(merchantId)).toEqual([]);

    // The refusal was not stored under the key: after the merchant moves here, the same request is served.
    await setHome(merchantId, { region: here, fenced: false });
    const served = await harness.api({ method: 'POST', resource: '/v1/payments' }, merchantId, body, 'key-wrong-region');
    expect(served).toMatchObject({ status: 201, json: { status: 'succeeded', amount_received: 1500 } });
    await ledgerIsBalanced();
  });

  it('answers 409 home_region_moving while a move has begun, in the home region too', async () => {
    const merchantId = newMerchant();
    await setHome(merchantId, { region: here, fenced: false, moveTo: elsewhere });
    const refused = await harness.api({ method: 'POST', resource: '/v1/payments' }, merchantId, { amount: 1500, currency: 'USD', payment_method: card(freshCardNumber()) });
    expect(refused).toMatchObject({ status: 409, json: { code: 'home_region_moving' } });
    expect(refused.json.detail).toContain(elsewhere);
    expect(await paymentItemsOf(merchantId)).toEqual([]);
  });

  it('refuses the capture and the refund of a payment whose merchant has since been homed elsewhere; the payment is unchanged', async () => {
    const merchantId = newMerchant();
    const manual = await harness.createPayment(merchantId, { amount: 2000, currency: 'USD', capture_method: 'manual', payment_method: card(freshCardNumber()) });
    expect(manual.json).toMatchObject({ status: 'requires_capture' });
    const automatic = await harness.createPayment(merchantId, { amount: 1000, currency: 'USD', payment_method: card(freshCardNumber()) });
    expect(automatic.json).toMatchObject({ status: 'succeeded' });
    await setHome(merchantId, { region: elsewhere, fenced: false });

    const capture = await harness.api({ method: 'POST', resource: '/v1/payments/{id}/capture', pathParameters: { id: manual.json.id } }, merchantId, {});
    expect(capture).toMatchObject({ status: 421, json: { code: 'wrong_region' } });
    const refund = await harness.api({ method: 'POST', resource: '/v1/refunds' }, merchantId, { payment_id: automatic.json.id, amount: 500 });
    expect(refund).toMatchObject({ status: 421, json: { code: 'wrong_region' } });

    expect(await get(manual.json.id, merchantId)).toMatchObject({ status: 'requires_capture', amount_received: 0 });
    expect(await get(automatic.json.id, merchantId)).toMatchObject({ status: 'succeeded', amount_refunded: 0 });
    expect(await harness.totals('atlas', manual.json.id)).toMatchObject({ captures: 0, refunds: 0 });
    expect(await harness.totals('atlas', automatic.json.id)).toMatchObject({ captures: 1, refunds: 0 });
  });
});

describe('a fence that arrives while the payment workflow runs', () => {
  it('before the capture: voids the authorization; nothing is captured, nothing refunded', async () => {
    const merchantId = newMerchant();
    const fence = changeMarkerAtRead(merchantId, 2, { fenced: true, moveTo: elsewhere });
    const created = await harness.createPayment(merchantId, { amount: 2400, currency: 'USD', payment_method: card(freshCardNumber()) });
    await fence.changed();
    expect(created).toMatchObject({ status: 201, json: { status: 'failed', failure_code: 'processing_error', amount_received: 0 } });
    const run = await harness.finished('payment', created.json.id);
    expect((await harness.enteredStates(run.executionArn!)).slice(-2)).toEqual(['Capture', 'ReleaseAfterFailure']);
    expect(await harness.totals('atlas', created.json.id)).toMatchObject({ approved: 1, captures: 0, captured: 0, refunds: 0, refunded: 0, released: 2400 });
    // The release voided the approval Authorize answered in the run (decision record 0047: not written by
    // Authorize) and recorded it with the failure: the timeline shows the authorization, then the failure.
    const release = (await harness.history(run.executionArn!)).find(
      (event) => event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === 'ReleaseAfterFailure',
    );
    const approval = JSON.parse(release?.stateEnteredEventDetails?.input ?? '{}').progress?.approval;
    expect(approval).toMatchObject({ channel: 'atlas', authorizationId: expect.any(String), amountAuthorized: 2400 });
    const events = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id: created.json.id } }, merchantId)).json.data;
    expect(events.map((event: { type: string }) => event.type)).toEqual(['payment.created', 'payment.screened', 'payment.authorized', 'payment.failed']);
    expect(events[2].data).toMatchObject({ authorization_id: approval.authorizationId, amount_authorized: 2400 });
    await ledgerIsBalanced();
  });

  it('after the capture: holds the posting (no refund); the recovery books it once the ledger is writable again: one capture, one posting', async () => {
    const merchantId = newMerchant();
    const fence = changeMarkerAtRead(merchantId, 3, { fenced: true, moveTo: elsewhere });
    const created = await harness.createPayment(merchantId, { amount: 2400, currency: 'USD', payment_method: card(freshCardNumber()) });
    await fence.changed();
    const id = created.json.id as string;
    expect(created).toMatchObject({ status: 201, json: { status: 'processing' } });
    const run = await harness.finished('payment', id);
    expect(run).toMatchObject({ status: 'FAILED', error: 'PaymentNotFinished' });
    expect((await harness.enteredStates(run.executionArn!)).slice(-3)).toEqual(['NextStep', 'PostToLedger', 'HandOver']);
    expect(await harness.totals('atlas', id)).toMatchObject({ captures: 1, captured: 2400, refunds: 0 });

    // The move is called off (the fence lifted, home unchanged): the recovery, already running, finishes it.
    await setHome(merchantId, { region: here, fenced: false });
    const [recovery] = await recoveries(id);
    expect((await harness.engine.waitForExecution(recovery!.executionArn!)).status).toBe('SUCCEEDED');
    expect(await get(id, merchantId)).toMatchObject({ status: 'succeeded', amount_received: 2400 });
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1, captured: 2400, refunds: 0, refunded: 0 });
    await ledgerIsBalanced();
  });
});
