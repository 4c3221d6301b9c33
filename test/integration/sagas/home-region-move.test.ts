import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchWriteCommand, DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { balanceKey, journalPartition } from '../../../lambdas/adapters/dynamodb/ledger-codec';
import { DynamoDbLedgerStore } from '../../../lambdas/adapters/dynamodb/ledger-store';
import { verifyLedger } from '../../../lambdas/adapters/dynamodb/ledger-verifier';
import { DEFAULT_LEDGER_LAYOUT } from '../../../lambdas/domain/ledger/balances';
import { paymentRefunded, paymentSettled } from '../../../lambdas/domain/ledger/postings';
import { adoptMerchantFlights, countMerchantFlights, repairMerchantBalances } from '../../../lambdas/use-cases/ledger/move-home-region';
import { merchantFlightDeps } from '../../../lambdas/wiring/home-region-move';
import { postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { ledgerPostingDeps } from '../../../lambdas/wiring/ledger';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { request } from '../../support/http';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * A planned home-region move end to end on one machine (docs/decisions/0024-home-region-routing-and-moves.md):
 * an operator asks the operator API (SigV4, ops_admin) over HTTP; the Standard workflow from
 * statemachines/home-region-move.asl.json runs on the local engine with the declared functions against DynamoDB
 * Local; the merchant API answers from the marker. Locally both regions read one table, so AwaitReplication
 * passes at its first read here: real replication lag is in test/e2e/two-regions.test.ts (two DynamoDB Locals, decision 0036).
 */
let harness: SagaHarness;
let apis: LocalApis;
const here = deployment.primaryRegion;
const target = deployment.secondaryRegion;

beforeAll(async () => {
  harness = await startSagaHarness();
  apis = await startLocalApis();
});
afterAll(async () => {
  await apis.stop();
  await harness.stop();
});

const onboard = async (name: string) => {
  const response = await apis.asOperator('ops_admin', 'POST', '/v1/merchants', { body: { name } });
  expect(response.status).toBe(201);
  return response.json as { id: string; api_key: { secret: string } };
};
const pay = (key: string, idempotencyKey = randomUUID()) =>
  request(apis.merchantUrl, 'POST', '/v1/payments', { key, idempotencyKey, body: { amount: 1200, currency: 'USD', payment_method: card(freshCardNumber()) } });
const marker = (merchantId: string) => ledgerPostingDeps().ledger.getHomeRegion(merchantId);
const startMove = (merchantId: string, region: string = target) => apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchantId}/home_region_moves`, { body: { region } });
const ledgerIsBalanced = async () => expect((await verifyLedger(harness.db.documentClient, tableName('ledger'))).differences).toEqual([]);

it('moves a merchant step by step (begin, drain, fence, replication, switch); the old home then answers 421 naming the new one', async () => {
  const merchant = await onboard('Moving Merchant');
  expect((await pay(merchant.api_key.secret)).json).toMatchObject({ status: 'succeeded' });

  // A viewer may not move merchants; a move to where it lives is refused.
  expect((await apis.asOperator('ops_viewer', 'POST', `/v1/merchants/${merchant.id}/home_region_moves`, { body: { region: target } })).status).toBe(403);
  expect(await startMove(merchant.id, here)).toMatchObject({ status: 409, json: { code: 'home_region_move_refused' } });
  expect(await startMove(merchant.id, 'eu-west-1')).toMatchObject({ status: 422, json: { code: 'validation_error', errors: [{ field: 'region' }] } });

  // A forced move (the home region lost, decision 0036) is asked of the region that takes the merchant over, for
  // itself: from here (the primary) towards the secondary it is refused, naming `force`, and nothing changes.
  const forcedElsewhere = await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/home_region_moves`, { body: { region: target, force: true } });
  expect(forcedElsewhere).toMatchObject({ status: 422, json: { code: 'validation_error', errors: [{ field: 'force' }] } });
  expect((await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/home_region_moves`, { body: { region: target, force: 'yes' } })).json).toMatchObject({ errors: [{ field: 'force' }] });
  expect(await marker(merchant.id)).toBeUndefined();

  const started = await startMove(merchant.id);
  expect(started).toMatchObject({ status: 202, json: { merchant_id: merchant.id, region: here, target_region: target, status: 'started', execution_name: `${merchant.id}-epoch-0` } });
  const run = await harness.engine.waitForExecution(started.json.execution_arn);
  expect(run.status).toBe('SUCCEEDED');
  expect(await harness.enteredStates(started.json.execution_arn)).toEqual(['BeginMove', 'Drain', 'Drained', 'FenceLedger', 'WaitOutPostings', 'AwaitReplication', 'ForcedRepair', 'Switch', 'ForcedAdoption', 'Moved']);
  expect(await marker(merchant.id)).toMatchObject({ region: target, fenced: false, epoch: 3 });
  expect(await marker(merchant.id)).not.toHaveProperty('moveTo');

  const refused = await pay(merchant.api_key.secret);
  expect(refused).toMatchObject({ status: 421, json: { code: 'wrong_region' } });
  expect(refused.headers.get('home-region')).toBe(target);
  // Reads still answer anywhere (decision 0004).
  expect((await request(apis.merchantUrl, 'GET', '/v1/balances', { key: merchant.api_key.secret })).status).toBe(200);
  // The operator's request is in the merchant's audit log.
  const audit = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`);
  expect(audit.json.data).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'merchant.home_region_move' })]));
  await ledgerIsBalanced();

  // And back, as an operator does it: `npm run ops -- move-home <merchant> --to <region>` (one signed request).
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-ops-'));
  try {
    writeFileSync(join(stateDir, 'runtime.json'), JSON.stringify({ operatorApiUrl: apis.operatorUrl }));
    writeFileSync(join(stateDir, 'operators.json'), JSON.stringify(apis.operators), { mode: 0o600 });
    const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
    const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', 'move-home', merchant.id, '--to', here, '--state-dir', stateDir], { cwd: repositoryRoot });
    const back = JSON.parse(cli.stdout) as { execution_arn: string; region: string; target_region: string };
    expect(back).toMatchObject({ region: target, target_region: here });
    expect((await harness.engine.waitForExecution(back.execution_arn)).status).toBe('SUCCEEDED');
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
  expect(await marker(merchant.id)).toMatchObject({ region: here, fenced: false, epoch: 6 });
  expect((await pay(merchant.api_key.secret)).json).toMatchObject({ status: 'succeeded' });
}, 180_000); // Two moves and a CLI process (tsx) on a loaded 2-core machine.

it('drains first: waits while a payment is in flight (new ones refused 409), fences only once it has finished', async () => {
  const merchant = await onboard('Busy Merchant');
  await harness.acquirers.atlas.stop();
  let executionArn: string;
  try {
    const stuck = await pay(merchant.api_key.secret);
    expect(stuck.json).toMatchObject({ status: 'processing' });
    const started = await startMove(merchant.id);
    expect(started.status).toBe(202);
    executionArn = started.json.execution_arn;
    // The drain sees the payment in flight and waits; meanwhile the merchant's new money movements are refused.
    while (!(await harness.enteredStates(executionArn)).includes('WaitForFlights')) await new Promise((wait) => setTimeout(wait, 20));
    expect(await pay(merchant.api_key.secret)).toMatchObject({ status: 409, json: { code: 'home_region_moving' } });
    expect(await marker(merchant.id)).toMatchObject({ region: here, fenced: false, moveTo: target });
  } finally {
    await harness.restartAcquirer('atlas');
  }
  // The recovery finishes the payment in the old home (postings are still open there), then the move goes on.
  expect((await harness.engine.waitForExecution(executionArn)).status).toBe('SUCCEEDED');
  const states = await harness.enteredStates(executionArn);
  expect(states.indexOf('FenceLedger')).toBeGreaterThan(states.lastIndexOf('WaitForFlights'));
  expect(await marker(merchant.id)).toMatchObject({ region: target, fenced: false });
  await ledgerIsBalanced();
});

it('a forced move repairs, before it switches, the balance item a lost region left without its update, from the journal, and audits it (decision 0039)', async () => {
  const merchant = await onboard('Stranded Merchant');
  expect((await pay(merchant.api_key.secret)).json).toMatchObject({ status: 'succeeded' });
  const table = tableName('ledger');
  const ledger = new DynamoDbLedgerStore(harness.db.documentClient, table);
  // The lost region's capture posting arrived here in part: its journal item, not its balance shard's update.
  const [shard] = (await ledger.merchantShards(merchant.id)).filter((item) => item.pending > 0);
  if (!shard) throw new Error('the payment left no pending funds');
  await harness.db.documentClient.send(
    new UpdateCommand({
      TableName: table,
      Key: balanceKey(merchant.id, shard.currency, shard.shard, DEFAULT_LEDGER_LAYOUT.balancePartitions),
      UpdateExpression: 'ADD #p :taken',
      ExpressionAttributeNames: { '#p': 'pending' },
      ExpressionAttributeValues: { ':taken': -shard.pending },
    }),
  );
  const before = await verifyLedger(harness.db.documentClient, table);
  expect(before.differences).toEqual([expect.objectContaining({ kind: 'balance_mismatch', subject: `${merchant.id}/${shard.currency}#${shard.shard}` })]);
  // Its home was the other region, now lost: the marker as that region left it.
  expect(await ledger.putHomeRegion({ merchantId: merchant.id, region: target, fenced: false, epoch: 1, updatedAt: new Date().toISOString() }, 0)).toBe(true);

  const forced = await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/home_region_moves`, { body: { region: here, force: true } });
  expect(forced).toMatchObject({ status: 202, json: { execution_name: `${merchant.id}-epoch-1-forced` } });
  const moved = await harness.engine.waitForExecution(forced.json.execution_arn);
  expect(moved.status).toBe('SUCCEEDED');
  const states = await harness.enteredStates(forced.json.execution_arn);
  expect(states.slice(states.indexOf('AwaitReplication'))).toEqual(['AwaitReplication', 'ForcedRepair', 'RepairBalances', 'Switch', 'ForcedAdoption', 'AdoptFlights', 'Moved']);
  // Nothing was in flight: nothing to adopt (the next test adopts).
  expect(JSON.parse(moved.output ?? '{}')).toMatchObject({ adopted: { adopted: 0, examples: [] } });
  expect(await marker(merchant.id)).toMatchObject({ region: here, fenced: false });
  await ledgerIsBalanced();
  // The journal is as it was: the repair posts nothing.
  expect((await verifyLedger(harness.db.documentClient, table)).transactions).toBe(before.transactions);
  const audit = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`);
  expect(audit.json.data).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        action: 'ledger.balance_repair',
        actor: expect.objectContaining({ type: 'operator', role: 'ops_admin' }),
        before: [expect.objectContaining({ currency: shard.currency, shard: shard.shard, pending: 0 })],
        after: [expect.objectContaining({ currency: shard.currency, shard: shard.shard, pending: shard.pending })],
      }),
    ]),
  );
  // Run again (a retried step): nothing left to correct, nothing written.
  const again = await repairMerchantBalances(
    { ledger, audit: { append: () => Promise.reject(new Error('nothing to audit')) } },
    { move: { merchantId: merchant.id, fromRegion: target, targetRegion: here, epoch: 3, forced: true }, requestedBy: { actor: { type: 'operator', role: 'ops_admin', arn: 'test' }, requestId: 'r' }, executionName: 'again' },
  );
  expect(again).toMatchObject({ corrected: [] });
  expect((await pay(merchant.api_key.secret)).json).toMatchObject({ status: 'succeeded' });
  await ledgerIsBalanced();
}, 120_000);

it("a forced move adopts the flights the lost region began: their recoveries start here and finish them (decision 0039)", async () => {
  const merchant = await onboard('Adopted Merchant');
  const ledger = new DynamoDbLedgerStore(harness.db.documentClient, tableName('ledger'));
  // A payment in flight when its home region was lost: its acquirer does not answer, so it stays processing
  // through the move. (Here the API has handed it to a recovery already, under the name the adoption uses, so the
  // adoption's start is that execution: one run per flight. The region-loss drill has flights nobody runs.)
  await harness.acquirers.atlas.stop();
  let paymentId: string;
  try {
    const stuck = await pay(merchant.api_key.secret);
    expect(stuck.json).toMatchObject({ status: 'processing' });
    paymentId = stuck.json.id;
    expect(await ledger.putHomeRegion({ merchantId: merchant.id, region: target, fenced: false, epoch: 1, updatedAt: new Date().toISOString() }, 0)).toBe(true);
    const forced = await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/home_region_moves`, { body: { region: here, force: true } });
    const moved = await harness.engine.waitForExecution(forced.json.execution_arn);
    expect(moved.status).toBe('SUCCEEDED');
    expect(JSON.parse(moved.output ?? '{}')).toMatchObject({ targetRegion: here, adopted: { adopted: 1, examples: [paymentId] } });
  } finally {
    await harness.restartAcquirer('atlas');
  }
  // Its recovery runs here, now the home, and finishes it once. Which way depends on where a run stood when the
  // acquirer came back (a race this test does not fix): in Authorize it authorizes and books the payment; in
  // ReleaseAfterFailure it asks the acquirer, hears that nothing was authorized and fails it (nothing charged).
  // Either way it is final, the acquirer's record agrees with it and the ledger balances.
  let seen: Awaited<ReturnType<typeof request>>;
  for (let tries = 0; ; tries += 1) {
    seen = await request(apis.merchantUrl, 'GET', `/v1/payments/${paymentId}`, { key: merchant.api_key.secret });
    if (seen.json.status === 'succeeded' || seen.json.status === 'failed') break;
    if (tries > 240) throw new Error(`${paymentId} still ${seen.json.status}`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
  const totals = await harness.totals('atlas', paymentId);
  if (seen.json.status === 'succeeded') expect(totals).toMatchObject({ approved: 1 });
  else {
    expect(seen.json).toMatchObject({ failure_code: 'processing_error' });
    expect((totals?.approved ?? 0) - (totals?.released ?? 0)).toBe(0);
  }
  await ledgerIsBalanced();
}, 150_000);

/**
 * Review of 0039 (the repair trusts a journal with a hole). Interleaving: in the lost region a payment is captured
 * (its position's transaction 1: pending +net) and settled moments later (transaction 2: pending -net, available
 * +net); the region is lost after the balance item (its last state: pending 0, available net) and the settlement's
 * journal item replicated, before the capture's journal item did (global tables replicate item by item, in no
 * order across items). The payment's record arrived succeeded: nothing is in flight, nothing posts the capture again.
 * The repair sums the journal it has (the settlement alone) and sets pending to -net: a negative balance the
 * postings' own guards never allow, which then refuses the merchant's next settlements (pending short by net),
 * while the stored item it overwrote was the lost region's true state. The verifier itself reports the position's
 * gap (transactions numbered 2, not 1..1): the repair could see that the journal is incomplete there.
 */
it('a forced move does not repair a balance item into a negative amount from a journal missing a position\'s earlier transaction', async () => {
  const merchant = await onboard('Gapped Merchant');
  const paid = await pay(merchant.api_key.secret);
  expect(paid.json).toMatchObject({ status: 'succeeded' });
  const paymentId = paid.json.id as string;
  const table = tableName('ledger');
  const ledger = new DynamoDbLedgerStore(harness.db.documentClient, table);
  // Settled in the (then) home: funds pending -> available.
  await postLedgerEvent(ledgerPostingDeps(), paymentSettled, { merchantId: merchant.id, paymentId, settlementId: `stl_${paymentId}` });
  const settledShards = await ledger.merchantShards(merchant.id);
  expect(settledShards.some((shard) => shard.available > 0)).toBe(true);
  expect(settledShards.every((shard) => shard.pending === 0)).toBe(true);
  // The capture's journal item never reached this region (the settlement's and the balance item did).
  const journal = await harness.db.documentClient.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :position)', ExpressionAttributeValues: { ':pk': journalPartition(paymentId), ':position': `${paymentId}#` }, ConsistentRead: true }),
  );
  const capture = (journal.Items ?? []).find((item) => item.k === 'payment_captured');
  if (!capture) throw new Error('no capture journal item');
  await harness.db.documentClient.send(new DeleteCommand({ TableName: table, Key: { pk: capture.pk, sk: capture.sk } }));
  // Its home was the other region, now lost.
  expect(await ledger.putHomeRegion({ merchantId: merchant.id, region: target, fenced: false, epoch: 1, updatedAt: new Date().toISOString() }, 0)).toBe(true);

  const forced = await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/home_region_moves`, { body: { region: here, force: true } });
  expect(forced.status).toBe(202);
  const run = await harness.engine.waitForExecution(forced.json.execution_arn);

  // Whatever the move did (repaired what it could, or stopped for an operator), no balance is below zero.
  const after = await ledger.merchantShards(merchant.id);
  expect(after.filter((shard) => shard.pending < 0 || shard.available < 0 || shard.reserved < 0)).toEqual([]);
  // The fix (0039 amended): the items are as the lost region left them; RepairBalances failed as JournalIncomplete,
  // retried (replication may still deliver), then the move was called off for an operator.
  expect(after).toEqual(settledShards);
  expect({ status: run.status, error: run.error }).toEqual({ status: 'FAILED', error: 'HomeRegionMoveCalledOff' });
  const failures = (await harness.history(forced.json.execution_arn)).flatMap((event) => (event.lambdaFunctionFailedEventDetails ? [event.lambdaFunctionFailedEventDetails.error] : []));
  expect(failures.length).toBeGreaterThan(1);
  expect(new Set(failures)).toEqual(new Set(['JournalIncomplete']));
}, 120_000);

/**
 * Review of the 0039 amendment (repairfix: RepairBalances trusts a journal missing a position's LAST transaction).
 * Interleaving: as in the test above, the lost region captures a payment (transaction 1: pending +net) and settles
 * it (transaction 2: pending -net, available +net); the balance item's last state, the position and the payment's
 * record replicate, but this time it is the settlement's journal item (transaction 2) that never arrives. The
 * numbering check sees 1..1, no gap; no field goes below zero; so the repair writes the journal's sum back: pending
 * +net, available 0, over the item that held the lost region's true state. Nothing posts the settlement again (the
 * payment finished, nothing is in flight to adopt, and the settlement was ingested in the lost region), so the
 * merchant's settled funds (which the acquirer paid) sit in pending for good, cannot be paid out, and the verifier
 * finds nothing wrong (items = journal). The same holds for a position with no transaction arrived at all, or a
 * missing refund (then available goes UP by the refund: money the cardholder got back is paid out to the merchant
 * again). The amendment's reasoning ("the object finished in the lost region, so nothing will post the missing one
 * again") applies just the same to a missing last transaction, which `numberingProblem` cannot see.
 */
it.failing("a forced move does not repair away a position's last transaction whose journal item has not arrived (no gap to see)", async () => {
  const merchant = await onboard('Trailing Gap Merchant');
  const paid = await pay(merchant.api_key.secret);
  expect(paid.json).toMatchObject({ status: 'succeeded' });
  const paymentId = paid.json.id as string;
  const table = tableName('ledger');
  const ledger = new DynamoDbLedgerStore(harness.db.documentClient, table);
  await postLedgerEvent(ledgerPostingDeps(), paymentSettled, { merchantId: merchant.id, paymentId, settlementId: `stl_${paymentId}` });
  const settledShards = await ledger.merchantShards(merchant.id);
  expect(settledShards.some((shard) => shard.available > 0)).toBe(true);
  expect(settledShards.every((shard) => shard.pending === 0)).toBe(true);
  // The settlement's journal item never reached this region (the capture's, the position and the balance item did).
  const journal = await harness.db.documentClient.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :position)', ExpressionAttributeValues: { ':pk': journalPartition(paymentId), ':position': `${paymentId}#` }, ConsistentRead: true }),
  );
  const settlement = (journal.Items ?? []).find((item) => item.k === 'payment_settled');
  if (!settlement) throw new Error('no settlement journal item');
  await harness.db.documentClient.send(new DeleteCommand({ TableName: table, Key: { pk: settlement.pk, sk: settlement.sk } }));
  expect(await ledger.putHomeRegion({ merchantId: merchant.id, region: target, fenced: false, epoch: 1, updatedAt: new Date().toISOString() }, 0)).toBe(true);

  const forced = await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/home_region_moves`, { body: { region: here, force: true } });
  expect(forced.status).toBe(202);
  const run = await harness.engine.waitForExecution(forced.json.execution_arn);
  const after = await ledger.merchantShards(merchant.id);
  // Either fix keeps the lost region's true state: the items left as stored (the move called off for an operator,
  // as for a gap), or the missing settlement accounted for. On main the move succeeds with pending +net, available 0.
  expect({ status: run.status, shards: after }).toEqual({ status: run.status, shards: settledShards });
}, 120_000);

/**
 * Review of the 0039 amendment (repairfix: a gapped position withholds only the items its PRESENT transactions
 * allocated to). Interleaving: in the lost region a payment P is captured and settled on its shard S; its first
 * partial refund (transaction 3, 11.50 USD) finds S short and is taken, as balances.ts plans any decrease of
 * available, from another shard Z that holds enough (another payment's settled funds); the second refund
 * (transaction 4, 0.50) is taken from S. Everything replicates but transaction 3's journal item. The numbering
 * check sees 1, 2, 4 and would withhold S, the only item the present transactions touched, but S needs no
 * correction (its stored state equals its journal sum); Z is "corrected" from the journal, which lacks the refund:
 * available goes back UP by 11.50, nothing is withheld, no JournalIncomplete is raised, and the move SUCCEEDS.
 * Money already returned to the cardholder is payable to the merchant again (paid twice), and the survivor's
 * write replicates over the lost region's true item when it returns (last writer wins).
 */
it("a forced move corrects no item a gapped position's missing transaction may have allocated to (a refund taken from another shard)", async () => {
  const merchant = await onboard('Spread Refund Merchant');
  const table = tableName('ledger');
  const ledger = new DynamoDbLedgerStore(harness.db.documentClient, table);
  const paid = await pay(merchant.api_key.secret);
  expect(paid.json).toMatchObject({ status: 'succeeded' });
  const paymentId = paid.json.id as string;
  await postLedgerEvent(ledgerPostingDeps(), paymentSettled, { merchantId: merchant.id, paymentId, settlementId: `stl_${paymentId}` });
  const [home] = await ledger.merchantShards(merchant.id);
  if (!home) throw new Error('no balance item');
  // Another payment, larger, settled on another shard (its home shard is another with overwhelming odds: retry).
  for (let tries = 0; (await ledger.merchantShards(merchant.id)).length < 2; tries += 1) {
    if (tries === 6) throw new Error('every payment landed on one shard');
    const other = await request(apis.merchantUrl, 'POST', '/v1/payments', { key: merchant.api_key.secret, idempotencyKey: randomUUID(), body: { amount: 5000, currency: 'USD', payment_method: card(freshCardNumber()) } });
    expect(other.json).toMatchObject({ status: 'succeeded' });
    await postLedgerEvent(ledgerPostingDeps(), paymentSettled, { merchantId: merchant.id, paymentId: other.json.id as string, settlementId: `stl_${other.json.id as string}` });
  }
  const refund = (refundId: string, amount: number) => postLedgerEvent(ledgerPostingDeps(), paymentRefunded, { merchantId: merchant.id, paymentId, refundId, amount, currency: 'USD' });
  const missing = `re_${randomUUID().replace(/-/g, '')}`;
  await refund(missing, home.available + 15);
  await refund(`re_${randomUUID().replace(/-/g, '')}`, 50);
  const stored = await ledger.merchantShards(merchant.id);
  // The first refund was taken from another shard, the second from P's.
  expect(stored.find((shard) => shard.shard === home.shard)?.available).toBe(home.available - 50);
  // Transaction 3 (the first refund) never reached this region.
  const journal = await harness.db.documentClient.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :position)', ExpressionAttributeValues: { ':pk': journalPartition(paymentId), ':position': `${paymentId}#` }, ConsistentRead: true }),
  );
  const lost = (journal.Items ?? []).find((item) => item.k === 'payment_refunded' && JSON.stringify(item).includes(missing));
  if (!lost) throw new Error('no journal item of the first refund');
  await harness.db.documentClient.send(new DeleteCommand({ TableName: table, Key: { pk: lost.pk, sk: lost.sk } }));
  expect(await ledger.putHomeRegion({ merchantId: merchant.id, region: target, fenced: false, epoch: 1, updatedAt: new Date().toISOString() }, 0)).toBe(true);

  const forced = await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/home_region_moves`, { body: { region: here, force: true } });
  expect(forced.status).toBe(202);
  const run = await harness.engine.waitForExecution(forced.json.execution_arn);
  // Every item as the lost region left it, whatever the move then did: none raised by the refund the journal
  // lacks. On main the move SUCCEEDS with Z's available raised by 11.50 (S itself needs no correction, so nothing
  // is withheld and no JournalIncomplete is raised at all).
  expect({ status: run.status, shards: await ledger.merchantShards(merchant.id) }).toEqual({ status: run.status, shards: stored });
}, 120_000);

/**
 * Review of 0039 (AdoptFlights reads one page of each saga-starts shard). A later flight (a manual capture, a payout
 * moving again) of an object created before the listing's lookback is found only through the saga-starts shards;
 * merchantFlightsNow reads each shard with `overdue(shard, now + 1 s, 1000)`, oldest first, and drops `more`. At a
 * region loss every flight the lost region had going stays frozen in its shards, so a shard holding 1,000 older
 * markers hides the rest: their objects are never adopted, and nobody else recovers them (the survivor's sweeper
 * leaves the lost region's writes alone, 0021). Interleaving: the merchant's 1,000 older captures and this one in
 * flight in the lost region; the forced move adopts 1,000 and leaves this one, a capture the acquirer may have
 * made, never booked (or a payout the rail may have paid, never settled in the ledger).
 */
it('a forced move adopts every later flight of the merchant, not only the first 1,000 of a saga-starts shard', async () => {
  const merchant = await onboard('Busy Capturing Merchant');
  const authorized = await request(apis.merchantUrl, 'POST', '/v1/payments', {
    key: merchant.api_key.secret,
    idempotencyKey: randomUUID(),
    body: { amount: 1500, currency: 'USD', capture_method: 'manual', payment_method: card(freshCardNumber()) },
  });
  expect(authorized.json).toMatchObject({ status: 'requires_capture' });
  const paymentId = authorized.json.id as string;
  const payments = tableName('payments');
  await harness.acquirers.atlas.stop();
  try {
    // Its capture is in flight (the acquirer does not answer): a later flight, with its saga-starts marker.
    const capture = await request(apis.merchantUrl, 'POST', `/v1/payments/${paymentId}/capture`, { key: merchant.api_key.secret, idempotencyKey: randomUUID(), body: {} });
    expect(capture.status).toBeLessThan(500);
    const item = (await harness.db.documentClient.send(new GetCommand({ TableName: payments, Key: { pk: paymentId, sk: 'payment' }, ConsistentRead: true }))).Item;
    if (typeof item?.saga_shard !== 'string' || typeof item.saga_pending_since !== 'string') throw new Error(`${paymentId} has no saga-starts marker: ${JSON.stringify(item?.status)}`);
    // The payment was created before the listing's lookback (authorized days ago, captured now): the lookback is
    // 0 here, so only the saga-starts shards can find it.
    const deps = { ...merchantFlightDeps(), lookbackSeconds: 0 };
    const started: string[] = [];
    const workflows = { recover: async (target: { id: string }) => void started.push(target.id) };
    const moveStartedAt = new Date(Date.now() + 1_000).toISOString();
    expect((await adoptMerchantFlights({ ...deps, workflows }, { merchantId: merchant.id, moveStartedAt })).examples).toContain(paymentId);

    // 1,000 older later flights of the same merchant in the same shard (copies of its item, a minute earlier each).
    const older = new Date(Date.parse(item.saga_pending_since) - 60_000).toISOString();
    const copies = Array.from({ length: 1000 }, (_, index) => ({ ...item, pk: `${paymentId}x${String(index).padStart(4, '0')}`, saga_pending_since: older }));
    for (let offset = 0; offset < copies.length; offset += 25) {
      await harness.db.documentClient.send(new BatchWriteCommand({ RequestItems: { [payments]: copies.slice(offset, offset + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    started.length = 0;
    const adopted = await adoptMerchantFlights({ ...deps, workflows }, { merchantId: merchant.id, moveStartedAt });

    // Assess: all 1,001 flights adopted, this one among them.
    expect({ adopted: adopted.adopted, started: started.includes(paymentId) }).toEqual({ adopted: 1001, started: true });
  } finally {
    await harness.restartAcquirer('atlas');
  }
}, 150_000);

/**
 * The same blind spot in a planned move's drain (review of 0039): the drain lists later flights through the same
 * shards, so 1,000 older markers of other merchants ahead of this merchant's capture in flight made it count 0 and
 * fence the ledger while the capture was running. Read to the shard's end, it is counted (and the others are not).
 */
it("a planned move's drain counts a later flight of the merchant past 1,000 older markers of other merchants in its shard", async () => {
  const merchant = await onboard('Draining Merchant');
  const authorized = await request(apis.merchantUrl, 'POST', '/v1/payments', {
    key: merchant.api_key.secret,
    idempotencyKey: randomUUID(),
    body: { amount: 1700, currency: 'USD', capture_method: 'manual', payment_method: card(freshCardNumber()) },
  });
  expect(authorized.json).toMatchObject({ status: 'requires_capture' });
  const paymentId = authorized.json.id as string;
  const payments = tableName('payments');
  await harness.acquirers.atlas.stop();
  try {
    const capture = await request(apis.merchantUrl, 'POST', `/v1/payments/${paymentId}/capture`, { key: merchant.api_key.secret, idempotencyKey: randomUUID(), body: {} });
    expect(capture.status).toBeLessThan(500);
    const item = (await harness.db.documentClient.send(new GetCommand({ TableName: payments, Key: { pk: paymentId, sk: 'payment' }, ConsistentRead: true }))).Item;
    if (typeof item?.saga_shard !== 'string' || typeof item.saga_pending_since !== 'string') throw new Error(`${paymentId} has no saga-starts marker: ${JSON.stringify(item?.status)}`);
    // 1,000 older later flights of another merchant in the same shard, ahead of this one (oldest first).
    const older = new Date(Date.parse(item.saga_pending_since) - 60_000).toISOString();
    const others = Array.from({ length: 1000 }, (_, index) => ({
      ...item,
      pk: `${paymentId}y${String(index).padStart(4, '0')}`,
      mid: 'mer_someone_else',
      merchant_type: `mer_someone_else#payment#${index % 8}`,
      saga_pending_since: older,
    }));
    for (let offset = 0; offset < others.length; offset += 25) {
      await harness.db.documentClient.send(new BatchWriteCommand({ RequestItems: { [payments]: others.slice(offset, offset + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    // Only the saga-starts shards can find it (lookback 0), as for a capture of a payment authorized days ago.
    const deps = { ...merchantFlightDeps(), lookbackSeconds: 0 };
    const drain = await countMerchantFlights(deps, { merchantId: merchant.id, moveStartedAt: new Date().toISOString() });

    expect(drain).toEqual({ inFlight: 1, examples: [paymentId] });
  } finally {
    await harness.restartAcquirer('atlas');
  }
}, 150_000);
