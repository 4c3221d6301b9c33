import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { FunctionKey } from '../../platform/functions';
import {
  type StateMachineDeclaration,
  definitionPlaceholders,
  stateMachineArn,
  stateMachineName,
  stateMachines,
  substitutedStateMachine,
} from '../../platform/state-machines';
import { acknowledgeNag, nagPartition } from './acknowledgements';
import { platformLogGroup } from './log-groups';
import { repositoryRoot } from './platform-function';

/**
 * One declared state machine (platform/state-machines.ts), deployed exactly as its ASL file is written:
 * the file's text is the definition, and `definitionSubstitutions` fill its `${...}` placeholders with the
 * declared functions' ARNs (test/infra checks the template carries the file verbatim). Its role may invoke
 * exactly those functions. Logging: every event, without execution data (inputs and outputs stay out of
 * CloudWatch), into an Infrequent Access log group (platform/deployment.ts `logGroupClasses`, decision 0058);
 * ops read a payment's execution, named by the payment id, in the console. X-Ray tracing on.
 */
export interface PlatformStateMachineProps {
  readonly key: keyof typeof stateMachines;
  readonly functions: Readonly<Record<FunctionKey, IFunction>>;
  readonly logsKey: IKey;
}

export class PlatformStateMachine extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: PlatformStateMachineProps) {
    super(scope, id);
    const declaration: StateMachineDeclaration = stateMachines[props.key];
    const name = stateMachineName(props.key);
    const definition = readFileSync(join(repositoryRoot, declaration.definitionFile), 'utf8');
    const declared = Object.keys(declaration.substitutions).sort();
    const placeholders = definitionPlaceholders(definition);
    if (JSON.stringify(declared) !== JSON.stringify(placeholders)) {
      throw new Error(`${declaration.definitionFile}: placeholders ${placeholders.join(', ')} differ from the declared ${declared.join(', ')}`);
    }
    const stack = Stack.of(this);
    const substituted = Object.values(declaration.substitutions);
    const invoked = [...new Set(substituted.filter((entry): entry is FunctionKey => typeof entry === 'string'))].map((key) => props.functions[key]);
    // Child state machines are addressed by their ARN, known from their name: no construct dependency.
    const children = [...new Set(substituted.flatMap((entry) => substitutedStateMachine(entry) ?? []))];
    const childArn = (key: string) => stateMachineArn(key, stack.region, stack.account);
    const childExecutions = children.flatMap((key) =>
      ['execution', 'express'].map((kind) =>
        stack.formatArn({ service: 'states', resource: kind, resourceName: `${stateMachineName(key)}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ),
    );

    // Same construct id: a change of class replaces the group under its new name, the old one retained.
    const logGroup = platformLogGroup(this, 'Logs', { kind: 'stateMachines', name: `/aws/vendedlogs/states/${name}`, logsKey: props.logsKey });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: `${name}: invoke its declared functions and child workflows, deliver its logs and traces`,
    });
    const policy = new ManagedPolicy(this, 'Policy', {
      description: `${name}: invoke its declared functions and child workflows, deliver its logs and traces`,
      roles: [role],
      statements: [
        ...(invoked.length > 0
          ? [new PolicyStatement({ sid: 'InvokeDeclaredFunctions', actions: ['lambda:InvokeFunction'], resources: invoked.map((fn) => fn.functionArn) })]
          : []),
        ...(children.length > 0
          ? [
              // states:startExecution(.sync:2) of the declared children (docs: "IAM policies for Step Functions").
              new PolicyStatement({ sid: 'StartChildExecutions', actions: ['states:StartExecution'], resources: children.map(childArn) }),
              new PolicyStatement({ sid: 'FollowChildExecutions', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: childExecutions }),
              new PolicyStatement({
                sid: 'ChildCompletionEvents',
                actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
                resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' })],
              }),
            ]
          : []),
        new PolicyStatement({
          sid: 'DeliverLogs',
          actions: [
            'logs:CreateLogDelivery',
            'logs:GetLogDelivery',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
            'logs:ListLogDeliveries',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
          ],
          resources: ['*'],
        }),
        new PolicyStatement({
          sid: 'SendTraces',
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
          resources: ['*'],
        }),
      ],
    });
    acknowledgeNag(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs vended-log delivery actions (CreateLogDelivery, PutResourcePolicy...) and the X-Ray actions support no resource-level permissions; every lambda:InvokeFunction statement names its functions.',
    );
    for (const key of children) {
      for (const kind of ['execution', 'express']) {
        acknowledgeNag(
          policy,
          `AwsSolutions-IAM5[Resource::arn:${nagPartition(stack)}:states:${stack.region}:${stack.account}:${kind}:${stateMachineName(key)}:*]`,
          "A child execution's ARN ends in its generated name: DescribeExecution/StopExecution on the declared child state machine's executions only, what startExecution.sync:2 needs.",
        );
      }
    }

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: declaration.type === 'EXPRESS' ? StateMachineType.EXPRESS : StateMachineType.STANDARD,
      comment: declaration.description,
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(
        Object.entries(declaration.substitutions).map(([placeholder, entry]) => {
          const child = substitutedStateMachine(entry);
          return [placeholder, child === undefined ? props.functions[entry as FunctionKey].functionArn : childArn(child)];
        }),
      ),
      role: role.withoutPolicyUpdates(),
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    this.stateMachine.node.addDependency(policy);
  }
}
