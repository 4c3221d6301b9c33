import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functions } from '../../platform/functions';
import { type QueueDeclaration, type QueueKey, queueName, queueUrlEnvVar, queues } from '../../platform/queues';
import { acknowledgeGuard, acknowledgeNag } from './acknowledgements';
import { policyStatement } from './kms-grants';
import type { PlatformFunction } from './platform-function';
import { queueGrantStatement } from '../../platform/function-grants';

/**
 * One declared queue (platform/queues.ts): the queue, its dead-letter queue (a message received
 * `maxReceiveCount` times goes there, and pages: lib/constructs/operations-alarms.ts), the event source
 * mapping that feeds its consumer (batch item failures reported, at most `maxConcurrency` invocations at
 * once), and the grants: the consumer may receive, delete and hide its messages; each function declaring
 * the queue in `queues` gets exactly its declared actions and `<KEY>_QUEUE_URL`. Nothing else may touch it.
 *
 * SSE-SQS: the messages name objects (merchant, endpoint and page ids), never their content or a secret,
 * so the queue needs no key whose policy every producer and consumer would have to be added to.
 */
export interface PlatformQueueProps {
  readonly key: QueueKey;
  readonly functions: Readonly<Record<FunctionKey, PlatformFunction>>;
}

const pascal = (text: string) => `${text[0]?.toUpperCase()}${text.slice(1)}`;

export class PlatformQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: PlatformQueueProps) {
    super(scope, id);
    const declaration: QueueDeclaration = queues[props.key];
    const consumerKey = declaration.consumer as FunctionKey;
    const consumer = props.functions[consumerKey];
    if ((functions[consumerKey] as FunctionDeclaration).consumes !== props.key) throw new Error(`${consumerKey} does not declare that it consumes ${props.key}`);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `${queueName(props.key)}-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const terminalQueue = `This queue is itself the dead-letter queue of ${queueName(props.key)}: a message lands here after ${declaration.maxReceiveCount} failed receives and is inspected and redriven by operations; a dead-letter queue needs none of its own.`;
    acknowledgeNag(this.deadLetterQueue, 'AwsSolutions-SQS3', terminalQueue);
    acknowledgeGuard(this.deadLetterQueue, 'sqs_dlq_check', terminalQueue);

    this.queue = new Queue(this, 'Queue', {
      queueName: queueName(props.key),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(declaration.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(declaration.retentionDays),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: declaration.maxReceiveCount },
    });

    // The function's role is immutable (platform-function.ts): every grant goes into its managed policy.
    consumer.addToPolicy(
      new PolicyStatement({
        sid: `Consume${pascal(props.key)}`,
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
        resources: [this.queue.queueArn],
      }),
    );
    new EventSourceMapping(this, 'Consumer', {
      target: consumer.function,
      eventSourceArn: this.queue.queueArn,
      batchSize: declaration.batchSize,
      maxBatchingWindow: declaration.maxBatchingWindowSeconds > 0 ? Duration.seconds(declaration.maxBatchingWindowSeconds) : undefined,
      maxConcurrency: declaration.maxConcurrency,
      reportBatchItemFailures: true,
    });

    for (const key of functionKeys) {
      const statement = queueGrantStatement(key, props.key, this.queue.queueArn);
      if (!statement) continue;
      props.functions[key].addToPolicy(policyStatement(statement));
      props.functions[key].function.addEnvironment(queueUrlEnvVar(props.key), this.queue.queueUrl);
    }
  }
}
