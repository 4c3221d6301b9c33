import { join } from 'node:path';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STAGE_ENV_VAR, deployment } from '../../platform/deployment';
import { type FunctionDeclaration, type FunctionKey, functionEnvironment, functionName, functions, UNRESERVED } from '../../platform/functions';
import { cardChannelNames, cardChannelSecretNames, cardChannels, channelEnvPrefix, payoutRailEndpoints, settlementReportsEndpoint } from '../../platform/channels';
import { kmsKeys } from '../../platform/keys';
import { mcpFunctionRoleName } from '../../platform/operator-routes';
import { stateMachineArn, stateMachineArnEnvVar, stateMachineName } from '../../platform/state-machines';
import { type TableKey, tableName } from '../../platform/tables';
import { acknowledgeGuard, acknowledgeNag, nagPartition } from './acknowledgements';
import { functionCode } from './function-bundles';
import { type KmsKeyArns, kmsStatements, policyStatement, usesKms } from './kms-grants';
import { alarmGrantStatements, metricGrantStatements, stateMachineGrantStatements, tableGrantStatements } from '../../platform/function-grants';
import { isInfrequentAccess, platformLogGroup } from './log-groups';

/**
 * One declared function (platform/functions.ts): a NodejsFunction bundled by esbuild (ESM, Node 24,
 * arm64, SDK bundled so the version tested is the version run; one build for every function:
 * ./function-bundles.ts), its own role whose only permissions are
 * one customer-managed policy holding exactly the declared DynamoDB actions on the declared tables and
 * indexes, the declared KMS actions on this region's keys (./kms-grants.ts), X-Ray and its own log
 * group; reserved concurrency; its own KMS-encrypted log group, JSON records filtered at the declared
 * levels (`deployment.functionLogLevels`).
 *
 * The role handed to the function is immutable, so no construct can slip an inline statement into it:
 * every permission goes through `addToPolicy`, into the managed policy.
 */
export const repositoryRoot = join(import.meta.dirname, '..', '..');

export interface PlatformFunctionProps {
  readonly key: FunctionKey;
  readonly logsKey: IKey;
  /** Encrypts the Secrets Manager secrets of this region; functions reading secrets may decrypt through Secrets Manager only. */
  readonly secretsKey?: IKey;
  /** Variables beyond the declared tables' names (ARNs known only at deploy time). */
  readonly environment?: Record<string, string>;
  /** This region's KMS key ARNs; required when the declaration names KMS actions. */
  readonly keyArns?: KmsKeyArns;
  /**
   * Each region's regional merchant API base URL (decision 0039), for a declaration that `forwardsToHomeRegion`:
   * known only once both regions' APIs exist, so given by the deployment (`-c regionalApiUrls=…`).
   */
  readonly regionalApiUrls?: Readonly<Record<string, string>>;
}

export class PlatformFunction extends Construct {
  readonly key: FunctionKey;
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly policy: ManagedPolicy;
  /**
   * Functions invoked asynchronously (`invokedBy: 'schedule'`) only: where an invocation lands once
   * Lambda's retries are spent (and, through the schedule's target, events EventBridge could not deliver).
   */
  readonly deadLetterQueue?: Queue;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    this.key = props.key;
    const declaration: FunctionDeclaration = functions[props.key];
    const name = functionName(deployment.appName, props.key);
    const stack = Stack.of(this);

    // Standard: the functions' metrics are embedded metric format, which only a Standard group turns into metrics.
    if (isInfrequentAccess('functions')) throw new Error('function log groups must stay Standard: their metrics are embedded metric format');
    const logGroup = platformLogGroup(this, 'Logs', { kind: 'functions', name: `/aws/lambda/${name}`, logsKey: props.logsKey });

    this.role = new Role(this, 'Role', {
      // An MCP function's role is named: the operator API's resource policy and handlers know it by name (decision 0045).
      ...(declaration.mcpServer ? { roleName: mcpFunctionRoleName(declaration.mcpServer.role, stack.region) } : {}),
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${name}: only what ${declaration.entry} needs`,
    });
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: `${name}: its declared table actions, its log group, X-Ray`,
      roles: [this.role],
    });
    this.addToPolicy(
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.addToPolicy(
      new PolicyStatement({ sid: 'SendTraces', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
    );
    const metricStatements = metricGrantStatements(props.key);
    for (const statement of metricStatements) this.addToPolicy(policyStatement(statement));
    acknowledgeNag(
      this.policy,
      'AwsSolutions-IAM5[Resource::*]',
      'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; "*" is the only valid resource.' +
        (metricStatements.length
          ? ' The same holds for cloudwatch:GetMetricData (no resource type in the CloudWatch service authorization reference), granted read-only to the operator API health route only (platform/functions.ts readsMetrics).'
          : ''),
    );
    // DescribeAlarms: this region's and account's alarms, the tightest resource a listing by prefix is authorized on.
    const alarmsArn = stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    for (const statement of alarmGrantStatements(props.key, alarmsArn)) {
      this.addToPolicy(policyStatement(statement));
      acknowledgeNag(
        this.policy,
        `AwsSolutions-IAM5[Resource::arn:${nagPartition(stack)}:cloudwatch:${stack.region}:${stack.account}:alarm:*]`,
        "cloudwatch:DescribeAlarms with an AlarmNamePrefix is authorized on alarm:* (the prefix filters, it is no resource), so this region's and account's alarms are the tightest grant that lets the operator API's alarms route list the platform's alarms; read-only: their configuration and state, no actions (platform/functions.ts readsAlarms, decision 0050).",
      );
    }
    const tableArn = (table: TableKey) => stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName(table) });
    for (const statement of tableGrantStatements(props.key, tableArn)) this.addToPolicy(policyStatement(statement));

    const otherRegion = stack.region === deployment.primaryRegion ? deployment.secondaryRegion : deployment.primaryRegion;
    const replicaEnvironment: Record<string, string> = declaration.otherRegionTables ? { REPLICA_REGION: otherRegion } : {};
    if (declaration.forwardsToHomeRegion && props.regionalApiUrls) replicaEnvironment.REGION_API_URLS = JSON.stringify(props.regionalApiUrls);
    for (const [table, actions] of Object.entries(declaration.otherRegionTables ?? {}) as [TableKey, readonly string[]][]) {
      // The replica of a global table in the deployment's other region (same name): only the actions declared.
      const replicaArn = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName(table), region: otherRegion });
      this.addToPolicy(new PolicyStatement({ sid: `Replica${table.replace(/^./, (c) => c.toUpperCase())}`, actions: [...actions], resources: [replicaArn] }));
    }

    const stateMachineEnvironment: Record<string, string> = {};
    const stateMachineArnOf = (machine: string) => stateMachineArn(machine, stack.region, stack.account);
    // GetExecutionHistory and RedriveExecution are authorized on the execution: this state machine's executions only.
    const executionArnsOf = (machine: string) =>
      ['execution', 'express'].map((kind) =>
        stack.formatArn({ service: 'states', resource: kind, resourceName: `${stateMachineName(machine)}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      );
    for (const statement of stateMachineGrantStatements(props.key, { stateMachine: stateMachineArnOf, stateMachineExecutions: executionArnsOf })) {
      this.addToPolicy(policyStatement(statement));
    }
    for (const [machine, actions] of Object.entries(declaration.stateMachines ?? {})) {
      stateMachineEnvironment[stateMachineArnEnvVar(machine)] = stateMachineArnOf(machine);
      if (!actions.includes('states:GetExecutionHistory') && !actions.includes('states:RedriveExecution')) continue;
      const reason = actions.includes('states:RedriveExecution')
        ? "An execution's ARN ends in its name: GetExecutionHistory and RedriveExecution on the declared Standard state machine's executions only, for operators redriving a failed run (ops_admin, audited)."
        : "An execution's ARN ends in its name: GetExecutionHistory on the declared state machine's executions only, read-only, for operators tracing an object's runs.";
      for (const kind of ['execution', 'express']) {
        acknowledgeNag(this.policy, `AwsSolutions-IAM5[Resource::arn:${nagPartition(stack)}:states:${stack.region}:${stack.account}:${kind}:${stateMachineName(machine)}:*]`, reason);
      }
    }

    const channelEnvironment: Record<string, string> = {};
    if (declaration.cardChannels) {
      for (const channel of cardChannelNames) channelEnvironment[`${channelEnvPrefix(channel)}_URL`] = cardChannels[channel].endpoint;
    }
    if (declaration.payoutRails) Object.assign(channelEnvironment, payoutRailEndpoints);
    if (declaration.settlementReports) Object.assign(channelEnvironment, settlementReportsEndpoint);
    const secretNames = [...(declaration.cardChannels ? cardChannelSecretNames() : []), ...(declaration.secrets ?? [])];
    const secretEnvironment: Record<string, string> = {};
    if (secretNames.length) {
      if (!props.secretsKey) throw new Error(`${props.key} reads secrets but no secrets key was given`);
      secretEnvironment.SECRET_NAMES = secretNames.join(',');
      for (const secret of secretNames) secretEnvironment[`${secret}_SECRET_ID`] = secretId(secret);
      this.addToPolicy(
        new PolicyStatement({
          sid: 'ReadDeclaredSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          // Secrets Manager appends six random characters to every secret's ARN.
          resources: secretNames.map((secret) => stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${secretId(secret)}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
        }),
      );
      this.addToPolicy(
        new PolicyStatement({
          sid: 'DecryptSecretsThroughSecretsManager',
          actions: ['kms:Decrypt'],
          resources: [props.secretsKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }

    let keyEnvironment: Record<string, string> = {};
    if (usesKms(declaration.kms)) {
      if (!props.keyArns) throw new Error(`${props.key} declares KMS use but no key ARNs were given`);
      for (const statement of kmsStatements(declaration.kms, props.keyArns)) this.addToPolicy(statement);
      keyEnvironment = { [kmsKeys.data.envVar]: props.keyArns.data, [kmsKeys.fingerprint.envVar]: props.keyArns.fingerprint };
    }

    if (declaration.invokedBy === 'schedule') {
      this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
        queueName: `${name}-dlq`,
        // SSE-SQS: EventBridge cannot send to a queue under the AWS-managed SQS KMS key; it holds no payment data (an event names only the schedule).
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      this.addToPolicy(new PolicyStatement({ sid: 'SendToOwnDeadLetterQueue', actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
      const terminalQueue =
        'This queue is itself the dead-letter queue of a scheduled function and of its EventBridge target; a dead-letter queue needs no dead-letter queue of its own.';
      acknowledgeNag(this.deadLetterQueue, 'AwsSolutions-SQS3', terminalQueue);
      acknowledgeGuard(this.deadLetterQueue, 'sqs_dlq_check', terminalQueue);
    }

    this.function = new NodejsFunction(this, 'Function', {
      functionName: name,
      description: declaration.description,
      // Bundled by esbuild with the options NodejsFunction's bundling would get (./function-bundles.ts).
      code: functionCode(repositoryRoot, declaration.entry),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: declaration.memoryMb,
      timeout: Duration.seconds(declaration.timeoutSeconds),
      reservedConcurrentExecutions: declaration.reservedConcurrency === UNRESERVED ? undefined : declaration.reservedConcurrency,
      role: this.role.withoutPolicyUpdates(),
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: declaration.invokedBy === 'schedule' ? 2 : undefined,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[deployment.functionLogLevels.application],
      systemLogLevelV2: SystemLogLevel[deployment.functionLogLevels.system],
      tracing: Tracing.ACTIVE,
      environment: {
        ...functionEnvironment(props.key),
        ...keyEnvironment,
        ...stateMachineEnvironment,
        ...channelEnvironment,
        ...secretEnvironment,
        ...replicaEnvironment,
        ...(declaration.mcpServer ? { MCP_OPERATOR_ROLE: declaration.mcpServer.role } : {}),
        ...props.environment,
        // The stage (platform/deployment.ts): names, live keys and `livemode` as the stacks were synthesized.
        [STAGE_ENV_VAR]: deployment.stage,
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_METRICS_NAMESPACE: deployment.appName,
        POWERTOOLS_LOG_LEVEL: deployment.functionLogLevels.application,
        // Tracing is active: never let X-Ray record a response (an API key is shown once in one) or an
        // error's message and stack (the segment is still flagged as failed). docs/security.md, Tracing.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.function.node.addDependency(this.policy);

    if (declaration.invokedBy !== 'schedule') {
      const invoker = {
        'api-gateway': 'Invoked synchronously by API Gateway, which returns the failure to the caller',
        'step-functions': 'Invoked synchronously by Step Functions, whose Retry/Catch handle the failure',
        queue: "Invoked by an SQS event source mapping: a failed message returns to its queue and then to the queue's own dead-letter queue (platform-queue.ts)",
        stream: 'Invoked by DynamoDB stream event source mappings: a failed batch is retried, then described in their on-failure queue (platform-stream-subscription.ts)',
        'function-url': 'Invoked synchronously through its function URL, which returns the failure to the calling agent',
      }[declaration.invokedBy];
      const dlqReason = `${invoker}; a function dead-letter queue only receives failed asynchronous invocations, so it would never hold anything.`;
      acknowledgeNag(this.function, 'NIST.800.53.R5-LambdaDLQ', dlqReason);
    }
    if (declaration.reservedConcurrency === UNRESERVED) {
      acknowledgeNag(
        this.function,
        'NIST.800.53.R5-LambdaConcurrency',
        "On the money path, so it draws from the account's shared pool instead of a fixed slice: every function off that path is capped by its reservation, so the pool (the quota minus the reservations, at least 750 of 1,000) is the money path's, and its own bound is upstream, the API stage and method throttles and the WAF's per-IP rate rules (platform/functions.ts reservedConcurrency, decision 0029).",
      );
    }
    const vpcReason =
      'Reaches only AWS APIs (DynamoDB, KMS, Step Functions, X-Ray) over TLS with IAM-signed requests and no VPC-only resource; a VPC would add NAT and endpoints without narrowing access. The channel-facing function moves into a VPC with static egress when it connects to real acquirers (docs/security.md).';
    acknowledgeNag(this.function, 'NIST.800.53.R5-LambdaInsideVPC', vpcReason);
    acknowledgeNag(this.function, 'PCI.DSS.321-LambdaInsideVPC', vpcReason);
    acknowledgeGuard(this.function, 'lambda_inside_vpc_check', vpcReason);
  }

  /** The only way to grant this function something: into its managed policy. */
  addToPolicy(statement: PolicyStatement): void {
    this.policy.addStatements(statement);
  }
}

/** The Secrets Manager secret id of a declared secret, identical in both regions. */
export const secretId = (name: string): string => `${deployment.appName}/${name}`;
