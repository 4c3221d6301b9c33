import type { StepFunctionsEngine } from '../../../local/step-functions';
import type { StateMachineKey } from '../../../platform/state-machines';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';
import { useFailingRecoverySagas } from '../../support/sagas';
import { type LocalApis, startLocalApis } from '../../support/local-apis';

/**
 * The attention queue's workflow routes over real HTTP with SigV4 roles (decision 0033): GET /v1/executions
 * lists the Standard executions that failed within the redrive window, with where each stopped and its
 * error; POST /v1/executions/redrive (ops_admin) runs one again through the local Step Functions engine's
 * RedriveExecution, audited in the platform's chain. The recovery state machine is played by a fixture
 * whose second step fails until the test "fixes" it; the other machines accept at once.
 */
let fixed = false;
let db: IsolatedDynamoDb;
let kms: TestKms;
let apis: LocalApis;
let engine: StepFunctionsEngine;
let stopEngine: (() => Promise<void>) | undefined;

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  ({ engine, stop: stopEngine } = await useFailingRecoverySagas({ failing: () => !fixed }));
  apis = await startLocalApis();
});

afterAll(async () => {
  await apis?.stop();
  await stopEngine?.();
  await kms?.stop();
});

const run = async (key: StateMachineKey, name: string) => {
  const { executionArn } = await engine.startExecution({ stateMachineArn: engine.stateMachineArn(key), name, input: JSON.stringify({ id: name }) });
  return engine.waitForExecution(executionArn as string);
};

type Listed = { state_machine: string; name: string; execution_arn: string; status: string; error: string | null; path: { state: string; errors: string[] }[]; redrivable_until: string };

it('lists the failed Standard executions with where each stopped and its error; a redrive by ops_admin runs it again, audited; again is 409', async () => {
  // Prepare: a recovery that fails in Charge, and a capture window that succeeds.
  const failed = await run('sagaRecovery', 'pay_stuck_1-1765000000000');
  expect(failed).toMatchObject({ status: 'FAILED', error: 'PaymentDeclinedError' });
  expect(await run('paymentCaptureWindow', 'pay_fine_1')).toMatchObject({ status: 'SUCCEEDED' });

  // Act: the attention queue, as a viewer.
  const listed = await apis.asOperator('ops_viewer', 'GET', '/v1/executions');

  // Assess
  expect(listed.status).toBe(200);
  expect(listed.json).toMatchObject({ object: 'list', url: '/v1/executions', has_more: false, truncated: false });
  expect(listed.json.data).toHaveLength(1);
  const [entry] = listed.json.data as Listed[];
  expect(entry).toMatchObject({ state_machine: 'sagaRecovery', name: 'pay_stuck_1-1765000000000', execution_arn: failed.executionArn, status: 'FAILED', error: 'PaymentDeclinedError' });
  expect(entry?.path.map((step) => step.state)).toEqual(['Prepare', 'Charge']);
  expect(entry?.path.at(-1)?.errors).toEqual(['PaymentDeclinedError']);
  expect(Date.parse(entry?.redrivable_until ?? '') - Date.now()).toBeGreaterThan(13 * 24 * 3600 * 1000);
  expect((await apis.asOperator('ops_viewer', 'GET', '/v1/executions', { query: { state_machine: 'payoutWait' } })).json.data).toEqual([]);
  expect((await apis.asOperator('ops_viewer', 'GET', '/v1/executions', { query: { state_machine: 'sagaRecovery', status: 'FAILED' } })).json.data).toHaveLength(1);

  // A viewer may not redrive; the bank is fixed; an admin redrives.
  expect((await apis.asOperator('ops_viewer', 'POST', '/v1/executions/redrive', { body: { execution_arn: failed.executionArn } })).status).toBe(403);
  fixed = true;
  const redriven = await apis.asOperator('ops_admin', 'POST', '/v1/executions/redrive', { body: { execution_arn: failed.executionArn } });
  expect(redriven.status).toBe(200);
  expect(redriven.json).toMatchObject({ object: 'workflow_execution_redrive', execution_arn: failed.executionArn, state_machine: 'sagaRecovery', status: 'RUNNING' });
  const after = await engine.waitForExecution(failed.executionArn as string);
  expect(after).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  expect((await apis.asOperator('ops_viewer', 'GET', '/v1/executions')).json.data).toEqual([]);

  const again = await apis.asOperator('ops_admin', 'POST', '/v1/executions/redrive', { body: { execution_arn: failed.executionArn } });
  expect(again.status).toBe(409);
  expect(again.json).toMatchObject({ code: 'execution_not_redrivable' });

  const audit = await apis.asOperator('ops_viewer', 'GET', '/v1/merchants/mer_platform/audit_entries');
  expect(audit.json.data).toHaveLength(1);
  expect(audit.json.data[0]).toMatchObject({
    action: 'workflow_execution.redrive',
    actor: { type: 'operator', role: 'ops_admin' },
    target: { type: 'workflow_execution', id: failed.executionArn },
    before: { state_machine: 'sagaRecovery', error: 'PaymentDeclinedError', failed_state: 'Charge' },
    after: { status: 'RUNNING' },
  });
});

it.each([
  ['an Express execution (never redrivable)', () => engine.stateMachineArn('payment').replace(':stateMachine:', ':execution:') + ':pay_x'],
  ['another account or region', () => 'arn:aws:states:eu-west-9:123456789012:execution:xborder-saga-recovery:pay_x'],
  ['not an ARN', () => 'pay_stuck_1'],
])('refuses to redrive %s with 422 naming execution_arn, and audits nothing', async (_, arn) => {
  const refused = await apis.asOperator('ops_admin', 'POST', '/v1/executions/redrive', { body: { execution_arn: arn() } });
  expect(refused.status).toBe(422);
  expect(refused.json.errors).toEqual([expect.objectContaining({ field: 'execution_arn' })]);
  expect((await apis.asOperator('ops_viewer', 'GET', '/v1/merchants/mer_platform/audit_entries')).json.data).toHaveLength(1);
});

it('answers 404 for an execution that does not exist, 422 for a bad query, and audits nothing', async () => {
  const unknown = engine.stateMachineArn('sagaRecovery').replace(':stateMachine:', ':execution:') + ':pay_nobody-1';
  const missing = await apis.asOperator('ops_admin', 'POST', '/v1/executions/redrive', { body: { execution_arn: unknown } });
  expect(missing.status).toBe(404);
  expect((await apis.asOperator('ops_admin', 'POST', '/v1/executions/redrive', { body: { execution: unknown } })).status).toBe(422);
  const badStatus = await apis.asOperator('ops_viewer', 'GET', '/v1/executions', { query: { status: 'RUNNING' } });
  expect(badStatus.status).toBe(422);
  expect(badStatus.json.errors).toEqual([expect.objectContaining({ field: 'status' })]);
  expect((await apis.asOperator('ops_viewer', 'GET', '/v1/merchants/mer_platform/audit_entries')).json.data).toHaveLength(1);
});
