import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, FilterCriteria, type IEventSourceDlq, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { type FunctionDeclaration, functionName, functions } from '../../platform/functions';
import type { TableKey } from '../../platform/tables';
import { acknowledgeGuard, acknowledgeNag } from './acknowledgements';
import type { PlatformFunction } from './platform-function';

/**
 * The DynamoDB stream subscriptions of a `stream` function (platform/functions.ts `streams`): one event
 * source mapping per table, with the declared filter patterns (records matching none never invoke the
 * function), batch size and window; a failing batch is handled as the declaration's `onFunctionError` says
 * (split in two until the bad record is alone, retried, then its description, never the records, goes to
 * the on-failure queue, which pages).
 * Built in the primary region only when the declaration says so: every region's stream carries both
 * regions' writes (global tables), so one region's mappings see every change once.
 *
 * The function may read exactly these streams, by their ARNs (DescribeStream, GetShardIterator, GetRecords:
 * the mapping is given each stream's ARN, so no ListStreams on "*"), and send to its on-failure queue.
 */
export interface PlatformStreamSubscriptionProps {
  readonly function: PlatformFunction;
  /** The stream ARN of each table the function subscribes to (the data stack's tables). */
  readonly streamArns: Readonly<Partial<Record<TableKey, string>>>;
}

export class PlatformStreamSubscription extends Construct {
  readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: PlatformStreamSubscriptionProps) {
    super(scope, id);
    const key = props.function.key;
    const subscription = (functions[key] as FunctionDeclaration).streams;
    if (!subscription) throw new Error(`${key} declares no stream subscription`);
    const name = functionName(deployment.appName, key);

    this.failureQueue = new Queue(this, 'FailureQueue', {
      queueName: `${name}-stream-failures`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const terminalQueue = `The on-failure destination of ${name}'s stream mappings: it holds the shard and sequence numbers of a batch that failed every retry (never the records), for operations to replay; a destination needs no dead-letter queue of its own.`;
    acknowledgeNag(this.failureQueue, 'AwsSolutions-SQS3', terminalQueue);
    acknowledgeGuard(this.failureQueue, 'sqs_dlq_check', terminalQueue);
    props.function.addToPolicy(new PolicyStatement({ sid: 'SendStreamFailures', actions: ['sqs:SendMessage'], resources: [this.failureQueue.queueArn] }));
    const onFailure: IEventSourceDlq = new SqsDlq(this.failureQueue);

    const tables = Object.entries(subscription.tables) as [TableKey, readonly Record<string, unknown>[]][];
    const streamArnOf = (table: TableKey): string => {
      const arn = props.streamArns[table];
      if (!arn) throw new Error(`${key} subscribes to ${table}'s stream, but its ARN was not given`);
      return arn;
    };
    props.function.addToPolicy(
      new PolicyStatement({
        sid: 'ReadSubscribedStreams',
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'],
        resources: tables.map(([table]) => streamArnOf(table)),
      }),
    );
    for (const [table, patterns] of tables) {
      const streamArn = streamArnOf(table);
      new EventSourceMapping(this, `${table[0]?.toUpperCase()}${table.slice(1)}Stream`, {
        target: props.function.function,
        eventSourceArn: streamArn,
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: subscription.batchSize,
        maxBatchingWindow: Duration.seconds(subscription.maxBatchingWindowSeconds),
        bisectBatchOnError: subscription.onFunctionError.bisectBatchOnError,
        retryAttempts: subscription.onFunctionError.retryAttempts,
        onFailure,
        filters: patterns.map((pattern) => FilterCriteria.filter(pattern)),
      });
    }
  }
}
