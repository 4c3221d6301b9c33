import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import type { FunctionKey } from '../../platform/functions';
import { type StateMachineDeclaration, definitionPlaceholders, stateMachineName, stateMachines } from '../../platform/state-machines';
import { acknowledgeNag } from './acknowledgements';
import { repositoryRoot } from './platform-function';
import { retentionDays } from './retention';

/**
 * One declared state machine (platform/state-machines.ts), deployed exactly as its ASL file is written:
 * the file's text is the definition, and `definitionSubstitutions` fill its `${...}` placeholders with the
 * declared functions' ARNs (test/infra checks the template carries the file verbatim). Its role may invoke
 * exactly those functions. Logging: every event, without execution data (inputs and outputs stay out of
 * CloudWatch); ops read a payment's execution, named by the payment id, in the console. X-Ray tracing on.
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
    const invoked = [...new Set(Object.values(declaration.substitutions))].map((key) => props.functions[key]);

    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: retentionDays(deployment.logRetentionDays),
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: `${name}: invoke its declared functions, deliver its logs and traces`,
    });
    const policy = new ManagedPolicy(this, 'Policy', {
      description: `${name}: invoke its declared functions, deliver its logs and traces`,
      roles: [role],
      statements: [
        new PolicyStatement({ sid: 'InvokeDeclaredFunctions', actions: ['lambda:InvokeFunction'], resources: invoked.map((fn) => fn.functionArn) }),
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

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: declaration.type === 'EXPRESS' ? StateMachineType.EXPRESS : StateMachineType.STANDARD,
      comment: declaration.description,
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(
        Object.entries(declaration.substitutions).map(([placeholder, key]) => [placeholder, props.functions[key as FunctionKey].functionArn]),
      ),
      role: role.withoutPolicyUpdates(),
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    this.stateMachine.node.addDependency(policy);
  }
}
