import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { DynamoDbRecentObjects } from '../../../lambdas/adapters/dynamodb/recent-objects';
import { DynamoDbSagaStartMarkers } from '../../../lambdas/adapters/dynamodb/saga-start-markers';
import { recoveryName } from '../../../lambdas/adapters/step-functions/workflows';
import { InMemorySweepPosition, sweepUnstartedSagas } from '../../../lambdas/use-cases/sweep-unstarted-sagas';
import { workflows } from '../../../lambdas/wiring/payments';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { fundMerchant } from '../../support/funds';
import { type PayoutPlatform, startPayoutPlatform } from '../../support/payout-platform';

/**
 * The recovery sweeper and payouts: a payout stored while the Step Functions API is down (its create could
 * not run its workflow) is answered `pending` and stays in flight, with no marker (docs/decisions/0021: the
 * sweeper finds a creation flight through the merchant's list index); the sweeper leaves it alone inside the
 * grace period, then starts its recovery (Standard, named by the payout and since when), which runs the payout
 * workflow: the payout is paid once, a second sweep starts nothing, and the merchant's retry of the create
 * finds the payout and runs nothing again.
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
    recent: new DynamoDbRecentObjects(platform.db.documentClient, { merchants: tableName('merchants'), payments: tableName('payments'), payouts: tableName('payouts') }),
    position: new InMemorySweepPosition(),
    lookbackSeconds: 1800,
    maxWindowSeconds: 300,
    workflows: workflows(),
    now: () => now,
    region,
    graceSeconds: 120,
    perShardLimit: 100,
    concurrency: 4,
  });

it('recovers a payout whose create could not run its workflow, after the grace period only, and pays it once', async () => {
  // Prepare
  const merchantId = 'mer_po_sweeper';
  await new DynamoDbMerchantRepository(platform.db.documentClient, tableName('merchants')).insertMerchant({ id: merchantId, name: 'Payout sweeper', status: 'active', createdAt: new Date().toISOString() });
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
  // The run's outcome is unknown (the API did not answer): the merchant gets the payout as stored.
  expect(created).toMatchObject({ status: 201, body: { status: 'pending' } });
  const id = created.body.id as string;
  const stored = await payoutItem(id);
  // In flight since its creation, written in this region, listed for its merchant: no marker (no sparse index write)
  expect(stored).toMatchObject({ status: 'pending', inFlightSince: stored?.createdAt, rg: region, merchant_type: `${merchantId}#payout` });
  expect(stored?.saga_shard).toBeUndefined();
  const createdAt = new Date(stored?.createdAt as string);

  // Act / Assess: inside the grace period, nothing
  expect((await sweep(new Date(createdAt.getTime() + 60_000))).started).toEqual([]);
  expect(await platform.balance(merchantId, 'EUR')).toMatchObject({ reserved: 0 });

  // Act / Assess: past it, its recovery starts and runs the payout workflow, which pays the payout
  const due = await sweep(new Date(createdAt.getTime() + 121_000));
  expect(due.started).toEqual([{ kind: 'payout', id, since: createdAt.toISOString() }]);
  await platform.waitForPayout(merchantId, id, ['paid']);
  const recovery = await platform.engine.describeExecution(`${platform.engine.stateMachineArn('sagaRecovery').replace(':stateMachine:', ':execution:')}:${recoveryName(id, createdAt.toISOString())}`);
  expect(JSON.parse(recovery.input ?? '{}')).toEqual({ kind: 'payout', id });
  const after = await payoutItem(id);
  expect(after?.saga_shard).toBeUndefined();
  expect(after?.saga_pending_since).toBeUndefined();

  // A second sweep starts nothing; the merchant's retry of the create (same key) gets the same answer
  expect((await sweep(new Date(createdAt.getTime() + 600_000))).started).toEqual([]);
  const retried = await platform.call('createPayout', { method: 'POST', resource: '/v1/payouts', merchantId, key: 'po-sweeper-1', body: { beneficiary_id: beneficiary.body.id, amount: 10_000, currency: 'EUR', reference: 'INV-SWEEP' } });
  // The idempotency layer replays the first answer, byte for byte; nothing is run or sent again.
  expect(retried.body).toEqual(created.body);
  expect(platform.rails.pulse.payments().length + platform.rails.keystone.payments().length).toBe(0);
  expect(platform.rails.meridian.payments().filter((payment) => payment.reference === id)).toHaveLength(1);
  // Paid exactly once: the balance moved by the payout amount, nothing left reserved
  expect(await platform.balance(merchantId, 'EUR')).toMatchObject({ available: funded.net - 10_000, reserved: 0 });
  expect((await platform.verify()).differences).toEqual([]);
});
