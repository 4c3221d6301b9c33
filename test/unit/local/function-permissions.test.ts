import {
  type AuthorizationRequest,
  authorizationRequests,
  authorizeCall,
  functionGrants,
  localGrantArns,
} from '../../../local/iam/function-permissions';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functions } from '../../../platform/functions';
import { tableName, tables } from '../../../platform/tables';

/**
 * The local IAM check (docs/decisions/0023): which IAM requests an SDK call makes, and whether a function's
 * declared grants (platform/function-grants.ts, the statements lib/ puts in its role) allow them.
 */
const table = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
const dataKeyArn = 'arn:aws:kms:us-west-2:123456789012:key/mrk-0123456789abcdef0123456789abcdef';
const environment = { DATA_KEY_ARN: dataKeyArn, FINGERPRINT_KEY_ARN: 'arn:aws:kms:us-west-2:123456789012:key/abcd-fingerprint' };
/** A task token as the local engine issues it: its execution, run and id (local/step-functions/tokens.ts). */
const localToken = (executionArn: string) => Buffer.from(JSON.stringify({ a: executionArn, r: 0, i: 'id' })).toString('base64url');

describe('authorizationRequests', () => {
  it.each<[string, string, string, unknown, AuthorizationRequest[]]>([
    ['a single-item call: its action on the table', 'dynamodb', 'UpdateItemCommand', { TableName: 'xborder-payments' }, [{ action: 'dynamodb:UpdateItem', resource: table('xborder-payments') }]],
    [
      'a Query of an index: Query on the index',
      'dynamodb',
      'QueryCommand',
      { TableName: 'xborder-payouts', IndexName: 'payouts-in-review' },
      [{ action: 'dynamodb:Query', resource: `${table('xborder-payouts')}/index/payouts-in-review` }],
    ],
    [
      'a transaction: each item’s own action on its table',
      'dynamodb',
      'TransactWriteItemsCommand',
      {
        TransactItems: [
          { Put: { TableName: 'xborder-ledger' } },
          { Update: { TableName: 'xborder-ledger' } },
          { ConditionCheck: { TableName: 'xborder-payments' } },
          { Delete: { TableName: 'xborder-events' } },
        ],
      },
      [
        { action: 'dynamodb:PutItem', resource: table('xborder-ledger') },
        { action: 'dynamodb:UpdateItem', resource: table('xborder-ledger') },
        { action: 'dynamodb:ConditionCheckItem', resource: table('xborder-payments') },
        { action: 'dynamodb:DeleteItem', resource: table('xborder-events') },
      ],
    ],
    [
      'a batch: the batch action on every table it names',
      'dynamodb',
      'BatchWriteItemCommand',
      { RequestItems: { 'xborder-events': [], 'xborder-audit': [] } },
      [
        { action: 'dynamodb:BatchWriteItem', resource: table('xborder-events') },
        { action: 'dynamodb:BatchWriteItem', resource: table('xborder-audit') },
      ],
    ],
    [
      'a data key: on the declared key it names, with the encryption context as condition keys',
      'kms',
      'GenerateDataKeyCommand',
      { KeyId: dataKeyArn, EncryptionContext: { merchant_id: 'mer_1', purpose: 'card' } },
      [
        {
          action: 'kms:GenerateDataKey',
          resource: localGrantArns.keys.data,
          context: { 'kms:EncryptionContext:merchant_id': 'mer_1', 'kms:EncryptionContext:purpose': 'card', 'kms:EncryptionContextKeys': ['merchant_id', 'purpose'] },
        },
      ],
    ],
    [
      'a MAC: with its algorithm',
      'kms',
      'GenerateMacCommand',
      { KeyId: environment.FINGERPRINT_KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' },
      [{ action: 'kms:GenerateMac', resource: localGrantArns.keys.fingerprint, context: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } }],
    ],
    [
      'a start: on the state machine, whatever region and account its ARN names',
      'states',
      'StartSyncExecutionCommand',
      { stateMachineArn: 'arn:aws:states:us-west-2:123456789012:stateMachine:xborder-payment' },
      [{ action: 'states:StartSyncExecution', resource: localGrantArns.stateMachine('payment') }],
    ],
    [
      "a task token's answer: on the token's state machine",
      'states',
      'SendTaskSuccessCommand',
      { taskToken: localToken('arn:aws:states:us-east-1:000000000000:execution:xborder-payment-capture-window:pay_1') },
      [{ action: 'states:SendTaskSuccess', resource: localGrantArns.stateMachine('paymentCaptureWindow') }],
    ],
    [
      'an SQS batch: as its single action, on the queue of the URL',
      'sqs',
      'SendMessageBatchCommand',
      { QueueUrl: 'http://127.0.0.1:9324/000000000000/xborder-webhook-deliveries' },
      [{ action: 'sqs:SendMessage', resource: localGrantArns.queue('webhookDeliveries') }],
    ],
    ['a call it does not know: the operation on *', 'dynamodb', 'DeleteTableCommand', { TableName: 'xborder-payments' }, [{ action: 'dynamodb:DeleteTable', resource: '*' }]],
  ])('maps %s', (_case, service, command, input, expected) => {
    expect(authorizationRequests(service, command, input, environment)).toEqual(expected);
  });
});

describe('functionGrants', () => {
  const allows = (key: FunctionKey, service: string, command: string, input: unknown) =>
    authorizationRequests(service, command, input, environment).every((request) => functionGrants(key).allows(request));

  it('allows every declared DynamoDB action on its table, and nothing undeclared, for every function', () => {
    const everyAction = ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem', 'BatchWriteItem', 'Scan'];
    const mismatches: string[] = [];
    for (const key of functionKeys) {
      const declaration: FunctionDeclaration = functions[key];
      for (const tableKey of Object.keys(tables) as (keyof typeof tables)[]) {
        const declared = declaration.tables[tableKey] ?? [];
        for (const action of everyAction) {
          const input =
            action === 'ConditionCheckItem'
              ? { TransactItems: [{ ConditionCheck: { TableName: tableName(tableKey) } }] }
              : action.startsWith('Batch')
                ? { RequestItems: { [tableName(tableKey)]: [] } }
                : { TableName: tableName(tableKey) };
          const expected = declared.includes(`dynamodb:${action}` as never) && !(action === 'Query' && declaration.queryIndexes?.[tableKey]);
          if (allows(key, 'dynamodb', action === 'ConditionCheckItem' ? 'TransactWriteItemsCommand' : `${action}Command`, input) !== expected) {
            mismatches.push(`${key} ${action} ${tableKey}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('narrows Query to the declared indexes', () => {
    expect(allows('opsListPayouts', 'dynamodb', 'QueryCommand', { TableName: 'xborder-payouts', IndexName: 'payouts-in-review' })).toBe(true);
    expect(allows('opsListPayouts', 'dynamodb', 'QueryCommand', { TableName: 'xborder-payouts' })).toBe(false);
    expect(allows('listPayments', 'dynamodb', 'QueryCommand', { TableName: 'xborder-payments', IndexName: 'merchant-objects' })).toBe(true);
  });

  it.each([
    ['the declared purpose', { merchant_id: 'mer_1', purpose: 'card' }, true],
    ['another purpose', { merchant_id: 'mer_1', purpose: 'bank-account' }, false],
    ['no merchant', { purpose: 'card' }, false],
    ['an extra context key', { merchant_id: 'mer_1', purpose: 'card', other: 'x' }, false],
  ])('authorizePayment decrypting a card hold with %s: allowed %s', (_case, context, expected) => {
    expect(allows('authorizePayment', 'kms', 'DecryptCommand', { KeyId: dataKeyArn, EncryptionContext: context })).toBe(expected);
  });

  it('refuses KMS to a function that declares none, and a key it was not given', () => {
    expect(allows('getPayment', 'kms', 'DecryptCommand', { KeyId: dataKeyArn, EncryptionContext: { merchant_id: 'mer_1', purpose: 'card' } })).toBe(false);
    expect(allows('authorizePayment', 'kms', 'DecryptCommand', { KeyId: 'arn:aws:kms:us-east-1:1:key/other', EncryptionContext: { merchant_id: 'mer_1', purpose: 'card' } })).toBe(false);
    expect(allows('createPayment', 'kms', 'GenerateMacCommand', { KeyId: environment.FINGERPRINT_KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' })).toBe(true);
    expect(allows('createPayment', 'kms', 'GenerateMacCommand', { KeyId: environment.FINGERPRINT_KEY_ARN, MacAlgorithm: 'HMAC_SHA_512' })).toBe(false);
  });

  it('allows state machine actions on the declared state machines only', () => {
    const captureWindowToken = localToken('arn:aws:states:us-east-1:000000000000:execution:xborder-payment-capture-window:pay_1');
    const payoutWaitToken = localToken('arn:aws:states:us-east-1:000000000000:execution:xborder-payout-wait:po_1');
    expect(allows('awaitCapture', 'states', 'SendTaskSuccessCommand', { taskToken: captureWindowToken })).toBe(true);
    expect(allows('awaitCapture', 'states', 'SendTaskSuccessCommand', { taskToken: payoutWaitToken })).toBe(false);
    expect(allows('createPayment', 'states', 'StartSyncExecutionCommand', { stateMachineArn: localGrantArns.stateMachine('payment') })).toBe(true);
    expect(allows('createPayment', 'states', 'StartExecutionCommand', { stateMachineArn: localGrantArns.stateMachine('payment') })).toBe(false);
  });

  it('allows reading metrics (cloudwatch:GetMetricData, which has no resource-level permission) to the functions that declare it only', () => {
    const readers = functionKeys.filter((key) => allows(key, 'cloudwatch', 'GetMetricDataCommand', { MetricDataQueries: [] }));
    expect(readers).toEqual(['opsGetHealth']);
    expect(readers.every((key) => (functions[key] as FunctionDeclaration).readsMetrics)).toBe(true);
    expect(allows('opsGetHealth', 'cloudwatch', 'PutMetricDataCommand', { Namespace: 'xborder' })).toBe(false);
    expect(allows('opsGetHealth', 'logs', 'StartQueryCommand', {})).toBe(false);
  });

  it("allows listing alarms (cloudwatch:DescribeAlarms, on this region's and account's alarms) to the function that declares it only", () => {
    const listers = functionKeys.filter((key) => allows(key, 'cloudwatch', 'DescribeAlarmsCommand', { AlarmNamePrefix: 'xborder-' }));
    expect(listers).toEqual(['opsListAlarms']);
    expect(listers.every((key) => (functions[key] as FunctionDeclaration).readsAlarms)).toBe(true);
    expect(allows('opsListAlarms', 'cloudwatch', 'DescribeAlarmsCommand', { AlarmNames: ['xborder-ApiServerErrors'] })).toBe(true);
    expect(allows('opsListAlarms', 'cloudwatch', 'GetMetricDataCommand', { MetricDataQueries: [] })).toBe(false);
    for (const command of ['SetAlarmStateCommand', 'PutMetricAlarmCommand', 'DeleteAlarmsCommand', 'DisableAlarmActionsCommand']) {
      expect(allows('opsListAlarms', 'cloudwatch', command, { AlarmName: 'xborder-ApiServerErrors', AlarmNames: ['xborder-ApiServerErrors'] })).toBe(false);
    }
  });

  it('allows queue actions on the declared queue', () => {
    const url = 'http://127.0.0.1:1/000000000000/xborder-webhook-deliveries';
    expect(allows('buildEvents', 'sqs', 'SendMessageBatchCommand', { QueueUrl: url })).toBe(true);
    expect(allows('getPayment', 'sqs', 'SendMessageCommand', { QueueUrl: url })).toBe(false);
  });
});

describe('authorizeCall', () => {
  it('refuses as AWS does: AccessDeniedException, HTTP 400, naming the function, the action and the resource', () => {
    const refusal = (() => {
      try {
        authorizeCall('getPayment', 'dynamodb', 'UpdateItemCommand', { TableName: 'xborder-payments' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toMatchObject({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining(
        `assumed-role/xborder-get-payment/xborder-get-payment is not authorized to perform: dynamodb:UpdateItem on resource: ${table('xborder-payments')}`,
      ),
    });
  });

  it('lets a granted call through', () => {
    expect(() => authorizeCall('getPayment', 'dynamodb', 'GetItemCommand', { TableName: 'xborder-payments' })).not.toThrow();
  });
});
