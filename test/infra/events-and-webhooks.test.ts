import { NestedStack, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { deployment } from '../../platform/deployment';
import { type FunctionDeclaration, functionName, functions, streamedTableKeys } from '../../platform/functions';
import { queueName, queues } from '../../platform/queues';
import { asArray, functionPolicy, plainArn, resourcesOf, synthesizePlatform } from './synth';

/**
 * Events and webhooks as deployed (docs/decisions/0016-events-and-webhooks.md): the delivery queue with its
 * dead-letter queue and consumer mapping in both regions; the outbox's stream mappings in the primary
 * region only, filtered, bisecting and with an on-failure queue; each function holding only its queue and
 * stream actions; an alarm on every queue that holds failures; and every stack under CloudFormation's
 * 500-resource limit.
 */
const { stacks, templates } = synthesizePlatform();
const deliveries = queues.webhookDeliveries;
const buildEvents = functionName(deployment.appName, 'buildEvents');
const deliverWebhooks = functionName(deployment.appName, 'deliverWebhooks');

describe.each([
  ['primary', templates.primaryApi],
  ['secondary', templates.secondaryApi],
] as const)('in the %s region', (_region, template) => {
  it('keeps webhook deliveries in an encrypted queue whose repeated failures move to an encrypted dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: queueName('webhookDeliveries'),
      SqsManagedSseEnabled: true,
      VisibilityTimeout: deliveries.visibilityTimeoutSeconds,
      MessageRetentionPeriod: deliveries.retentionDays * 86_400,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: deliveries.maxReceiveCount },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: `${queueName('webhookDeliveries')}-dlq`, SqsManagedSseEnabled: true });
  });

  it('feeds the delivery function in batches, reporting failed items, with bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: Match.anyValue(),
      BatchSize: deliveries.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: deliveries.maxConcurrency },
    });
  });

  it('lets the delivery function consume its queue and re-queue retries, and decrypt only webhook secrets', () => {
    const { statements } = functionPolicy(template, deliverWebhooks);
    const sqs = statements.filter((statement) => asArray(statement.Action as string | string[]).some((action) => action.startsWith('sqs:')));
    expect(sqs.flatMap((statement) => asArray(statement.Action as string | string[])).sort()).toEqual(
      ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage'].sort(),
    );
    const decrypt = statements.find((statement) => asArray(statement.Action as string | string[]).includes('kms:Decrypt'));
    expect((decrypt?.Condition as Record<string, Record<string, unknown>>).StringEquals).toEqual({ 'kms:EncryptionContext:purpose': ['webhook-secret'] });
  });

  it('gives the queue URL and send permission only to the functions that declare it', () => {
    const senders = Object.entries(functions)
      .filter(([, declaration]) => (declaration as FunctionDeclaration).queues?.webhookDeliveries?.includes('sqs:SendMessage'))
      .map(([key]) => functionName(deployment.appName, key as keyof typeof functions))
      .sort();
    const withUrl = Object.values(resourcesOf(template))
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .filter((resource) => 'WEBHOOK_DELIVERIES_QUEUE_URL' in ((resource.Properties?.Environment as { Variables?: object } | undefined)?.Variables ?? {}))
      .map((resource) => resource.Properties?.FunctionName as string)
      .sort();
    expect(withUrl).toEqual(senders);
    for (const name of senders) {
      const send = functionPolicy(template, name).statements.filter((statement) => statement.Sid === 'QueueWebhookDeliveries');
      expect(send.map((statement) => statement.Action)).toEqual(['sqs:SendMessage']);
    }
  });

  it('pages on any message in the delivery dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${deployment.appName}-WebhookDeliveriesDeadLetters`,
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
  });
});

describe('the outbox (buildEvents)', () => {
  const subscribed = Object.keys((functions.buildEvents as FunctionDeclaration).streams?.tables ?? {});

  it('reads the streams of the payments, payouts, fx and merchants tables, and the ledger\'s settlements, declared once', () => {
    expect(subscribed.sort()).toEqual(['fx', 'ledger', 'merchants', 'payments', 'payouts']);
    expect(streamedTableKeys().sort()).toEqual(['fx', 'ledger', 'merchants', 'payments', 'payouts']);
  });

  it('has one filtered, bisecting stream mapping per table in the primary region, failures to a queue that pages', () => {
    const mappings = Object.values(templates.primaryApi.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (resource) => (resource as { Properties: { StartingPosition?: string } }).Properties.StartingPosition === 'TRIM_HORIZON',
    );
    expect(mappings).toHaveLength(subscribed.length);
    for (const mapping of mappings) {
      expect((mapping as { Properties: Record<string, unknown> }).Properties).toMatchObject({
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        DestinationConfig: { OnFailure: { Destination: expect.anything() } },
        FilterCriteria: { Filters: [expect.objectContaining({ Pattern: expect.stringContaining('"eventName":["INSERT"') })] },
      });
    }
    // The ledger's mapping lets through only new settlement journal items, not every posting.
    const patterns = mappings.map((mapping) => JSON.stringify((mapping as { Properties: { FilterCriteria: unknown } }).Properties.FilterCriteria));
    expect(patterns.filter((pattern) => pattern.includes('payment_settled'))).toEqual([expect.stringContaining('\\"eventName\\":[\\"INSERT\\"]')]);
    templates.primaryApi.hasResourceProperties('AWS::SQS::Queue', { QueueName: `${buildEvents}-stream-failures`, SqsManagedSseEnabled: true });
    templates.primaryApi.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `${deployment.appName}-BuildEventsStreamFailures` });
  });

  it('reads only those streams, by their ARNs, never with a wildcard', () => {
    const { statements } = functionPolicy(templates.primaryApi, buildEvents);
    const reads = statements.filter((statement) => statement.Sid === 'ReadSubscribedStreams');
    expect(reads).toHaveLength(1);
    expect(asArray(reads[0]?.Action as string[]).sort()).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']);
    expect(asArray(reads[0]?.Resource as unknown[])).toHaveLength(subscribed.length);
    for (const resource of asArray(reads[0]?.Resource as unknown[])) expect(plainArn(resource)).not.toContain('*');
  });

  it('pages when the oldest unread stream record is five minutes old (events late; at 24 hours lost), in the primary region only', () => {
    const iteratorAge = (template: Template) =>
      Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) => (alarm as { Properties: { MetricName?: string } }).Properties.MetricName === 'IteratorAge');
    const alarms = iteratorAge(templates.primaryApi);
    expect(alarms).toHaveLength(1);
    expect((alarms[0] as { Properties: Record<string, unknown> }).Properties).toMatchObject({
      AlarmName: `${deployment.appName}-BuildEventsIteratorAge`,
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 5 * 60 * 1000,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'FunctionName', Value: buildEvents }],
      AlarmActions: [expect.anything()],
    });
    expect(iteratorAge(templates.secondaryApi)).toHaveLength(0);
  });

  it('has no stream mapping and no stream permission in the secondary region (each region streams both regions\' writes)', () => {
    const mappings = Object.values(templates.secondaryApi.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (resource) => (resource as { Properties: { StartingPosition?: string } }).Properties.StartingPosition !== undefined,
    );
    expect(mappings).toHaveLength(0);
    expect(functionPolicy(templates.secondaryApi, buildEvents).statements.some((statement) => statement.Sid === 'ReadSubscribedStreams')).toBe(false);
  });
});

describe('every stack', () => {
  const all: Stack[] = Object.values(stacks).flatMap((stack: Stack) => [stack, ...stack.node.findAll().filter((child): child is NestedStack => child instanceof NestedStack)]);

  it.each(all.map((stack) => [stack.node.path, stack] as const))('%s stays under CloudFormation\'s 500 resources, with room to grow', (_path, stack) => {
    const count = Object.keys(Template.fromStack(stack).toJSON().Resources ?? {}).length;
    expect(count).toBeLessThanOrEqual(450);
  });
});
