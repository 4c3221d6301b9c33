import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSagaStartMarkers } from '../../../lambdas/adapters/dynamodb/saga-start-markers';
import { StepFunctionsWorkflows } from '../../../lambdas/adapters/step-functions/workflows';
import { sagaStartShard } from '../../../lambdas/domain/saga-start';
import { sweepUnstartedSagas } from '../../../lambdas/use-cases/sweep-unstarted-sagas';
import { sfnClient } from '../../../lambdas/shared/clients';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { fundMerchant } from '../../support/funds';
import { type PayoutPlatform, startPayoutPlatform } from '../../support/payout-platform';

/**
 * The saga-start sweeper and payouts: a payout stored while StartExecution is refused stays `pending` with
 * its marker; the sweeper leaves it alone inside the grace period, then starts the payout saga with the
 * create path's input; ReserveFunds removes the marker; the payout is paid once; a second sweep starts nothing.
 */
let platform: PayoutPlatform;
const region = deployment.primaryRegion;

beforeAll(async () => {
  platform = await startPayoutPlatform();
}, 60_000);
afterAll(() => platform.stop());

const payoutItem = async (id: string) =>
  (await platform.db.documentClient.send(new GetCommand({ TableName: tableName('payouts'), Key: { pk: id, sk: 'payout' }, ConsistentRead: true }))).Item;

const sweep = (now: Date) =>
  sweepUnstartedSagas({
    markers: new DynamoDbSagaStartMarkers(platform.db.documentClient, { payments: tableName('payments'), payouts: tableName('payouts') }),
    workflows: new StepFunctionsWorkflows(sfnClient(), { payment: 'unused', paymentCaptureWindow: 'unused', refund: 'unused', sagaRecovery: 'unused', payout: platform.engine.stateMachineArn('payout') }),
    now: () => now,
    region,
    graceSeconds: 120,
    perShardLimit: 100,
    concurrency: 4,
  });

it('starts a payout whose create could not start its saga, after the grace period only, and pays it once', async () => {
  // Prepare
  const merchantId = 'mer_po_sweeper';
  const funded = await fundMerchant(platform.ledger, merchantId, 100_000, 'EUR');
  const beneficiary = await platform.call('createBeneficiary', {
    method: 'POST',
    resource: '/v1/beneficiaries',
    merchantId,
    body: { name: 'Jana Novakova', entity_type: 'individual', country: 'DE', currency: 'EUR', bank_account: { rail: 'sepa', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' } },
  });
  const created = await platform.withStepFunctionsApiDown(() =>
    platform.call('createPayout', { method: 'POST', resource: '/v1/payouts', merchantId, key: 'po-sweeper-1', body: { beneficiary_id: beneficiary.body.id, amount: 10_000, currency: 'EUR', reference: 'INV-SWEEP' } }),
  );
  expect(created.status).toBe(500);
  const listed = await platform.call('listPayouts', { method: 'GET', resource: '/v1/payouts', merchantId });
  const [payout] = listed.body.data as { id: string; status: string; created: number }[];
  const id = payout?.id as string;
  const stored = await payoutItem(id);
  expect(stored).toMatchObject({ status: 'pending', saga_shard: sagaStartShard(region, id) });
  const createdAt = new Date(stored?.createdAt as string);

  // Act / Assess: inside the grace period, nothing
  expect((await sweep(new Date(createdAt.getTime() + 60_000))).started).toEqual([]);
  expect(await platform.balance(merchantId, 'EUR')).toMatchObject({ reserved: 0 });

  // Act / Assess: past it, the saga starts with the create path's input and pays the payout
  const due = await sweep(new Date(createdAt.getTime() + 121_000));
  expect(due.started).toEqual([{ kind: 'payout', id, since: createdAt.toISOString() }]);
  await platform.waitForPayout(merchantId, id, ['paid']);
  const execution = await platform.engine.describeExecution(`${platform.engine.stateMachineArn('payout').replace(':stateMachine:', ':execution:')}:${id}`);
  expect(JSON.parse(execution.input ?? '{}')).toEqual({ payoutId: id, merchantId, converts: false, returnWindowSeconds: expect.any(Number) });
  const after = await payoutItem(id);
  expect(after?.saga_shard).toBeUndefined();
  expect(after?.saga_pending_since).toBeUndefined();

  // A second sweep starts nothing; the merchant's retry of the create (same key) finds the same payout
  expect((await sweep(new Date(createdAt.getTime() + 600_000))).started).toEqual([]);
  const retried = await platform.call('createPayout', { method: 'POST', resource: '/v1/payouts', merchantId, key: 'po-sweeper-1', body: { beneficiary_id: beneficiary.body.id, amount: 10_000, currency: 'EUR', reference: 'INV-SWEEP' } });
  expect(retried.body).toMatchObject({ id });
  // Paid exactly once: the balance moved by the payout amount, nothing left reserved
  expect(await platform.balance(merchantId, 'EUR')).toMatchObject({ available: funded.net - 10_000, reserved: 0 });
  expect((await platform.verify()).differences).toEqual([]);
});
