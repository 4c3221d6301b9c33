import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployment } from '../../platform/deployment';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functionName, functions } from '../../platform/functions';
import {
  type StateMachineDeclaration,
  definitionPlaceholders,
  stateMachineArn,
  stateMachineKeys,
  stateMachineName,
  stateMachines,
  substitutedStateMachine,
} from '../../platform/state-machines';
import { TEST_ACCOUNT, asArray, functionPolicy, plainArn, resourcesOf, synthesizePlatform } from './synth';

/**
 * The workflows as deployed: each state machine carries its ASL file verbatim (the local engine runs the
 * same file), its placeholders are filled with exactly the declared functions and child state machines,
 * its role may invoke only those functions and start only those children, it has its declared type (Express
 * for the payment, refund and payout runs, Standard for the capture window, the payout's waits and the
 * recovery), logs
 * every event without execution data (the console lists and shows Express executions from these logs)
 * and traces; functions hold exactly their declared state-machine actions.
 */
const root = join(import.meta.dirname, '..', '..');
const { templates } = synthesizePlatform();

describe.each([
  ['primary', templates.primaryApi, deployment.primaryRegion],
  ['secondary', templates.secondaryApi, deployment.secondaryRegion],
] as const)('%s API stack', (_role, template, region) => {
  const resources = resourcesOf(template);
  const machineResource = (key: string) => {
    const found = Object.entries(resources).find(
      ([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine' && resource.Properties?.StateMachineName === stateMachineName(key),
    );
    if (!found) throw new Error(`No state machine ${stateMachineName(key)}`);
    return found[1];
  };
  const functionLogicalId = (key: FunctionKey) =>
    Object.entries(resources).find(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.FunctionName === functionName(deployment.appName, key))?.[0];

  it.each(stateMachineKeys)('%s: deploys its ASL file verbatim, placeholders filled with the declared functions and state machines', (key) => {
    const declaration: StateMachineDeclaration = stateMachines[key];
    const machine = machineResource(key);
    const file = readFileSync(join(root, declaration.definitionFile), 'utf8');
    expect(machine.Properties?.DefinitionString).toBe(file);
    const substitutions = machine.Properties?.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(substitutions).sort()).toEqual(definitionPlaceholders(file));
    for (const [placeholder, entry] of Object.entries(declaration.substitutions)) {
      const child = substitutedStateMachine(entry);
      expect(substitutions[placeholder]).toEqual(child === undefined ? { 'Fn::GetAtt': [functionLogicalId(entry as FunctionKey), 'Arn'] } : stateMachineArn(child, region, TEST_ACCOUNT));
    }
    expect(machine.Properties).toMatchObject({
      StateMachineType: declaration.type,
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
    });
  });

  it.each(stateMachineKeys)('%s: logs into its own Infrequent Access log group, encrypted, kept a year, retained when deleted or replaced', (key) => {
    // Decision record 0058: the executions' events at half the Standard ingestion price; the group of the
    // Standard class (the name without `-ia`) is left to its retention.
    expect(deployment.logGroupClasses.stateMachines).toBe('INFREQUENT_ACCESS');
    const name = `/aws/vendedlogs/states/${stateMachineName(key)}-ia`;
    const groups = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::Logs::LogGroup' && resource.Properties?.LogGroupName === name);
    expect(groups).toHaveLength(1);
    const [logicalId, group] = groups[0] as [string, (typeof resources)[string]];
    expect(group).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { LogGroupClass: 'INFREQUENT_ACCESS', RetentionInDays: deployment.logRetentionDays, KmsKeyId: expect.anything() },
    });
    expect(machineResource(key).Properties?.LoggingConfiguration).toMatchObject({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalId, 'Arn'] } } }],
    });
  });

  it('keeps every other log group Standard: the functions (embedded metric format), the API access logs and the WAF logs', () => {
    const others = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::Logs::LogGroup' && !String(resource.Properties?.LogGroupName).startsWith('/aws/vendedlogs/states/'),
    );
    expect(others.length).toBeGreaterThan(functionKeys.length);
    for (const group of others) expect({ name: group.Properties?.LogGroupName, logClass: group.Properties?.LogGroupClass }).toEqual({ name: group.Properties?.LogGroupName, logClass: undefined });
  });

  it.each(stateMachineKeys)('%s: its role may invoke exactly its declared functions', (key) => {
    const machine = machineResource(key);
    const roleId = (machine.Properties?.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy' && ((resource.Properties?.Roles as { Ref: string }[]) ?? []).some((role) => role.Ref === roleId))
      .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const invoked = statements
      .filter((statement) => asArray(statement.Action).includes('lambda:InvokeFunction'))
      .flatMap((statement) => asArray(statement.Resource as unknown).map((resource) => (resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]))
      .sort();
    const substituted = Object.values((stateMachines[key] as StateMachineDeclaration).substitutions);
    const declared = [...new Set(substituted.filter((entry) => typeof entry === 'string'))].map((fn) => functionLogicalId(fn as FunctionKey)).sort();
    expect(invoked).toEqual(declared);
    const started = statements.filter((statement) => asArray(statement.Action).includes('states:StartExecution')).flatMap((statement) => asArray(statement.Resource as unknown).map(plainArn)).sort();
    const children = [...new Set(substituted.flatMap((entry) => substitutedStateMachine(entry) ?? []))].map((child) => stateMachineArn(child, region, TEST_ACCOUNT)).sort();
    expect(started).toEqual(children);
  });

  it.each(functionKeys)('%s: holds exactly its declared state-machine actions', (key) => {
    const declaration: FunctionDeclaration = functions[key];
    const { statements } = functionPolicy(template, functionName(deployment.appName, key));
    const granted = statements
      .flatMap((statement) => asArray(statement.Action as string | string[]).filter((action) => action.startsWith('states:')).flatMap((action) => asArray(statement.Resource as unknown).map((resource) => `${action} ${plainArn(resource)}`)))
      .sort();
    const expected = Object.entries(declaration.stateMachines ?? {})
      .flatMap(([machine, actions]) =>
        actions.flatMap((action) =>
          // GetExecutionHistory is authorized on the machine's executions (Standard and Express), RedriveExecution
          // on its Standard executions only, the rest on the machine.
          action === 'states:GetExecutionHistory'
            ? ['execution', 'express'].map((kind) => `${action} arn:aws:states:${region}:${TEST_ACCOUNT}:${kind}:${stateMachineName(machine)}:*`)
            : action === 'states:RedriveExecution'
              ? [`${action} arn:aws:states:${region}:${TEST_ACCOUNT}:execution:${stateMachineName(machine)}:*`]
              : [`${action} ${stateMachineArn(machine, region, TEST_ACCOUNT)}`],
        ),
      )
      .sort();
    expect(granted).toEqual(expected);
  });
});

it('every function a workflow names exists and is declared as invoked by Step Functions; every state machine it names is declared', () => {
  for (const key of stateMachineKeys) {
    for (const entry of Object.values((stateMachines[key] as StateMachineDeclaration).substitutions)) {
      const child = substitutedStateMachine(entry);
      if (child === undefined) expect((functions[entry as FunctionKey] as FunctionDeclaration).invokedBy).toBe('step-functions');
      else expect(stateMachineKeys).toContain(child);
    }
  }
});

it('runs the seconds of work as Express and the waits and recoveries as Standard', () => {
  expect(Object.fromEntries(stateMachineKeys.map((key) => [key, stateMachines[key].type]))).toEqual({
    payment: 'EXPRESS',
    paymentCaptureWindow: 'STANDARD',
    refund: 'EXPRESS',
    sagaRecovery: 'STANDARD',
    payout: 'EXPRESS',
    payoutWait: 'STANDARD',
    // A report's run takes minutes, is watched by operations and must apply exactly once (decision 0018).
    settlementReconciliation: 'STANDARD',
    // A bank statement's run: watched by operations, applied exactly once, its history kept (decision 0032).
    bankStatementReconciliation: 'STANDARD',
    // An operator's move of a merchant between regions: minutes, watched step by step, exactly once (decision 0024).
    homeRegionMove: 'STANDARD',
  });
});
