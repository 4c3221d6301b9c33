import { verifyLedger } from '../../../lambdas/adapters/dynamodb/ledger-verifier';
import { postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { paymentSettled } from '../../../lambdas/domain/ledger/postings';
import { ledgerPostingDeps } from '../../../lambdas/wiring/ledger';
import { tableName } from '../../../platform/tables';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * Every path of statemachines/refund.asl.json (Express, run synchronously by POST /v1/refunds): partial and
 * repeated refunds up to exactly the captured amount, refusals, a refund the balance cannot fund yet, a
 * channel that refuses the refund, a channel that is down (the recovery finishes the refund), all ending
 * with the ledger balanced and the payment's amounts right. The API's answer is the run's result.
 */
let harness: SagaHarness;
const merchant = 'mer_refund_tests';

beforeAll(async () => {
  harness = await startSagaHarness();
});
afterAll(() => harness.stop());

const paid = async (amount: number, settle = true, merchantId = merchant, number = freshCardNumber()) => {
  const created = await harness.createPayment(merchantId, { amount, currency: 'USD', payment_method: card(number) });
  expect(created.json.status).toBe('succeeded');
  if (settle) {
    // What the acquirer's capture.settled webhook does (tested over HTTP in e2e): pending -> available.
    await postLedgerEvent(ledgerPostingDeps(), paymentSettled, { merchantId, paymentId: created.json.id, settlementId: `settlement-${created.json.id}` });
  }
  return created.json.id as string;
};
const refund = (paymentId: string, amount?: number, merchantId = merchant) =>
  harness.api({ method: 'POST', resource: '/v1/refunds' }, merchantId, { payment_id: paymentId, ...(amount === undefined ? {} : { amount }) });
const getRefund = async (id: string, merchantId = merchant) =>
  (await harness.api({ method: 'GET', resource: '/v1/refunds/{id}', pathParameters: { id } }, merchantId)).json;
const getPayment = async (id: string, merchantId = merchant) =>
  (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id } }, merchantId)).json;
const ledgerIsBalanced = async () => expect((await verifyLedger(harness.db.documentClient, tableName('ledger'))).differences).toEqual([]);

it('refunds in parts up to exactly the captured amount, and not a unit more', async () => {
  // Fees are not returned: refunding everything needs the fee's worth of other available funds.
  await paid(1000);
  const paymentId = await paid(5000);
  for (const amount of [1000, 2500]) {
    const answer = await refund(paymentId, amount);
    expect(answer).toMatchObject({ status: 201, json: { object: 'refund', payment_id: paymentId, amount, currency: 'USD', status: 'succeeded' } });
    expect(await getRefund(answer.json.id)).toEqual(answer.json);
  }
  expect(await refund(paymentId, 1501)).toMatchObject({ status: 422, json: { code: 'amount_too_large', errors: [{ field: 'amount' }] } });
  const rest = await refund(paymentId);
  expect(rest.json).toMatchObject({ amount: 1500 });
  expect(await getPayment(paymentId)).toMatchObject({ status: 'succeeded', amount_received: 5000, amount_refunded: 5000 });
  expect(await refund(paymentId, 1)).toMatchObject({ status: 409, json: { code: 'payment_not_refundable' } });
  expect(await harness.totals('atlas', paymentId)).toMatchObject({ captured: 5000, refunded: 5000, refunds: 3 });
  await ledgerIsBalanced();
});

it('never lets concurrent refunds exceed what was captured', async () => {
  const paymentId = await paid(3000);
  const answers = await Promise.all(Array.from({ length: 6 }, () => refund(paymentId, 1000)));
  const accepted = answers.filter((answer) => answer.status === 201);
  expect(accepted).toHaveLength(3);
  expect(answers.filter((answer) => answer.status !== 201).every((answer) => [409, 422].includes(answer.status))).toBe(true);
  expect(await getPayment(paymentId)).toMatchObject({ amount_refunded: 3000 });
  expect(await harness.totals('atlas', paymentId)).toMatchObject({ refunded: 3000 });
  await ledgerIsBalanced();
});

it('refuses refunds of a payment that did not succeed (409) and of another merchant\'s payment (404)', async () => {
  const declined = await harness.createPayment(merchant, { amount: 1000, currency: 'USD', payment_method: card('4000000000000002') });
  expect(await refund(declined.json.id)).toMatchObject({ status: 409, json: { code: 'payment_not_refundable' } });
  const paymentId = await paid(1000);
  const foreign = await harness.api({ method: 'POST', resource: '/v1/refunds' }, 'mer_someone_else', { payment_id: paymentId });
  expect(foreign).toMatchObject({ status: 404, json: { code: 'resource_not_found' } });
});

it('fails a refund the balance cannot fund yet (fees are not returned before settlement), and releases it', async () => {
  const newcomer = 'mer_refund_newcomer';
  const paymentId = await paid(1999, false, newcomer);
  const answer = await refund(paymentId, undefined, newcomer);
  expect(answer).toMatchObject({ status: 201, json: { status: 'failed', failure_code: 'insufficient_balance' } });
  expect(await getPayment(paymentId, newcomer)).toMatchObject({ amount_refunded: 0 });
  expect(await harness.totals('atlas', paymentId)).toMatchObject({ refunded: 0 });
  // The reservation was released: a smaller refund the pending funds cover goes through.
  const smaller = await refund(paymentId, 1000, newcomer);
  expect(await getRefund(smaller.json.id, newcomer)).toMatchObject({ status: 'succeeded' });
  await ledgerIsBalanced();
});

it('reverses the ledger posting and fails the refund when the channel refuses it', async () => {
  const paymentId = await paid(2000, true, merchant, '4000000000005126');
  const answer = await refund(paymentId, 700);
  expect(answer).toMatchObject({ status: 201, json: { status: 'failed', failure_code: 'refund_rejected' } });
  const run = await harness.finished('refund', answer.json.id);
  expect(await harness.enteredStates(run.executionArn!)).toEqual(['PostRefundToLedger', 'RefundAtChannel', 'ReverseRefundPosting', 'FailRefund']);
  expect(await getPayment(paymentId)).toMatchObject({ amount_refunded: 0 });
  expect(await harness.totals('atlas', paymentId)).toMatchObject({ refunded: 0 });
  await ledgerIsBalanced();
  // The reservation was released: the payment is still refundable in full.
  expect(await refund(paymentId, 2000)).toMatchObject({ status: 201, json: { status: 'failed', failure_code: 'refund_rejected' } });
});

it('answers pending while the channel is down, and the recovery completes the refund when it is back: refunded once', async () => {
  const paymentId = await paid(2000);
  await harness.channelFaults('atlas', 1);
  let refundId: string;
  try {
    const answer = await refund(paymentId, 700);
    expect(answer).toMatchObject({ status: 201, json: { status: 'pending' } });
    refundId = answer.json.id;
    expect(await harness.finished('refund', refundId)).toMatchObject({ status: 'FAILED', error: 'RefundNotFinished' });
  } finally {
    await harness.channelFaults('atlas', 0);
  }
  const recovery = (await harness.engine.listExecutions({ stateMachineArn: harness.engine.stateMachineArn('sagaRecovery'), maxResults: 1000 })).executions?.find((execution) =>
    execution.name?.startsWith(`${refundId}-`),
  );
  expect((await harness.engine.waitForExecution(recovery!.executionArn!)).status).toBe('SUCCEEDED');
  expect(await getRefund(refundId)).toMatchObject({ status: 'succeeded' });
  expect(await getPayment(paymentId)).toMatchObject({ amount_refunded: 700 });
  expect(await harness.totals('atlas', paymentId)).toMatchObject({ refunded: 700, refunds: 1 });
  await ledgerIsBalanced();
});

it('answers a repeated run of an ended refund with its state, through both steps, refunding nothing more', async () => {
  const paymentId = await paid(1200);
  const first = await refund(paymentId, 500);
  expect(first.json).toMatchObject({ status: 'succeeded' });
  const again = await harness.engine.startSyncExecution({
    stateMachineArn: harness.engine.stateMachineArn('refund'),
    name: first.json.id,
    input: JSON.stringify({ refundId: first.json.id, paymentId }),
  });
  expect(again.status).toBe('SUCCEEDED');
  expect(JSON.parse(again.output ?? '{}')).toMatchObject({ next: 'done' });
  expect(await harness.enteredStates(again.executionArn!)).toEqual(['PostRefundToLedger', 'RefundAtChannel']);
  expect(await harness.totals('atlas', paymentId)).toMatchObject({ refunded: 500, refunds: 1 });
  expect(await getPayment(paymentId)).toMatchObject({ amount_refunded: 500 });
  await ledgerIsBalanced();
});
