import { Match } from 'aws-cdk-lib/assertions';
import { deployment } from '../../platform/deployment';
import { functionName, functions } from '../../platform/functions';
import { stateMachineName } from '../../platform/state-machines';
import { MERCHANT_OBJECTS_INDEX, SAGA_STARTS_INDEX, tableName } from '../../platform/tables';
import { asArray, functionPolicy, plainArn, resourcesOf, synthesizePlatform, TEST_ACCOUNT } from './synth';

/** The recovery sweeper (docs/decisions/0010-saga-start-sweeper.md, 0021) as deployed in both regions. */
const { stacks, templates } = synthesizePlatform();
const name = functionName(deployment.appName, 'sweepUnstartedSagas');

describe('the saga-starts index', () => {
  it.each(['payments', 'payouts'] as const)('is a sparse, keys-only index of the %s table over (saga_shard, saga_pending_since)', (table) => {
    templates.primaryData.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: tableName(table),
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: SAGA_STARTS_INDEX,
          KeySchema: [
            { AttributeName: 'saga_shard', KeyType: 'HASH' },
            { AttributeName: 'saga_pending_since', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]),
    });
  });
});

describe.each([
  ['primary', templates.primaryApi, stacks.primaryApi.region],
  ['secondary', templates.secondaryApi, stacks.secondaryApi.region],
] as const)('%s region', (_role, template, region) => {
  it('invokes the sweeper every minute, with retries and a dead-letter queue for undeliverable events', () => {
    expect(functions.sweepUnstartedSagas.schedule.everyMinutes).toBe(1);
    const rules = Object.values(resourcesOf(template)).filter((resource) => resource.Type === 'AWS::Events::Rule' && resource.Properties?.Name === name);
    expect(rules).toHaveLength(1);
    const rule = rules[0]?.Properties ?? {};
    expect(rule.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.State).toBe('ENABLED');
    const [target] = rule.Targets as Record<string, unknown>[];
    const [queueId] = Object.entries(resourcesOf(template)).find(([, resource]) => resource.Type === 'AWS::SQS::Queue' && resource.Properties?.QueueName === `${name}-dlq`) ?? [];
    expect(target).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } } });
    const { functionId } = functionPolicy(template, name);
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
    // EventBridge may invoke it only for this rule, from this account.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      Action: 'lambda:InvokeFunction',
      SourceAccount: TEST_ACCOUNT,
      SourceArn: Match.anyValue(),
    });
  });

  it('runs one sweep at a time, retries a failed one twice, then dead-letters it to an encrypted, TLS-only queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: name,
      ReservedConcurrentExecutions: 1,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: `${name}-dlq`, SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('holds exactly: Scan of the merchants, Query on the list and saga-starts indexes, GetItem and BatchGetItem on their tables, StartExecution on the recovery, SendMessage to its DLQ', () => {
    const { statements } = functionPolicy(template, name);
    const granted = new Set<string>();
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of asArray(statement.Action as string | string[])) {
        if (action.startsWith('logs:') || action.startsWith('xray:')) continue;
        for (const resource of asArray(statement.Resource as unknown)) granted.add(`${action} ${action.startsWith('sqs:') ? 'dlq' : plainArn(resource)}`);
      }
    }
    const table = (key: string) => `arn:aws:dynamodb:${region}:${TEST_ACCOUNT}:table/${tableName(key as 'payments')}`;
    const machine = (key: string) => `arn:aws:states:${region}:${TEST_ACCOUNT}:stateMachine:${stateMachineName(key)}`;
    expect([...granted].sort()).toEqual(
      [
        `dynamodb:Scan ${table('merchants')}`,
        `dynamodb:GetItem ${table('payments')}`,
        `dynamodb:GetItem ${table('payouts')}`,
        `dynamodb:BatchGetItem ${table('payments')}`,
        `dynamodb:BatchGetItem ${table('payouts')}`,
        `dynamodb:Query ${table('payments')}/index/${MERCHANT_OBJECTS_INDEX}`,
        `dynamodb:Query ${table('payouts')}/index/${MERCHANT_OBJECTS_INDEX}`,
        `dynamodb:Query ${table('payments')}/index/${SAGA_STARTS_INDEX}`,
        `dynamodb:Query ${table('payouts')}/index/${SAGA_STARTS_INDEX}`,
        `states:StartExecution ${machine('sagaRecovery')}`,
        'sqs:SendMessage dlq',
      ].sort(),
    );
  });

  it('alarms when the sweeper had to start a saga, when a sweep fails and when its dead-letter queue holds anything', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${deployment.appName}-SagasStartedBySweeper`,
      Namespace: deployment.appName,
      MetricName: 'SagasStartedBySweeper',
      Dimensions: [{ Name: 'service', Value: name }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `${deployment.appName}-SagaSweepFailed`, MetricName: 'Errors', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `${deployment.appName}-SagaSweepDeadLetters`, MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
  });
});
