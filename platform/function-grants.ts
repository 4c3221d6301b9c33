import { type FunctionDeclaration, type FunctionKey, type KmsDeclaration, functions } from './functions';
import { ENCRYPTION_CONTEXT_KEYS, type EncryptionPurpose } from './keys';
import type { QueueKey } from './queues';
import { type TableKey, tables } from './tables';

/**
 * A function's grants as IAM statements, from its declaration (platform/functions.ts), in one place for both
 * runtimes: lib/ wraps each in a CDK PolicyStatement of the function's role (lib/constructs/platform-function.ts,
 * kms-grants.ts, platform-queue.ts); local/iam/function-permissions.ts compiles the same statements into the
 * check that refuses, locally, any SDK call the role would refuse in AWS (docs/decisions/0023). Plain data, no
 * CDK: ARNs come from the caller (CDK tokens in lib/, fixed local ARNs in local/).
 */
export type GrantConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface GrantStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: GrantConditions;
}

/** How a caller names the resources a declaration grants on. */
export interface GrantArns {
  readonly table: (table: TableKey) => string;
  readonly stateMachine: (machine: string) => string;
  /** Both kinds of a state machine's executions (`execution:<name>:*`, `express:<name>:*`): GetExecutionHistory's resource. */
  readonly stateMachineExecutions: (machine: string) => readonly string[];
  readonly queue: (queue: QueueKey) => string;
  readonly keys: KmsKeyArns;
  /** Every alarm of the region and account (`arn:<partition>:cloudwatch:<region>:<account>:alarm:*`). */
  readonly alarms: string;
}

export interface KmsKeyArns {
  readonly data: string;
  readonly fingerprint: string;
}

const pascal = (key: string): string => key.replace(/^./, (c) => c.toUpperCase());

/**
 * The declared DynamoDB actions on each declared table. `dynamodb:Query` covers the table and all its indexes,
 * or, with `queryIndexes`, only the named indexes (the other actions stay on the table).
 */
export const tableGrantStatements = (key: FunctionKey, tableArn: (table: TableKey) => string): GrantStatement[] => {
  const declaration: FunctionDeclaration = functions[key];
  const statements: GrantStatement[] = [];
  for (const [table, actions] of Object.entries(declaration.tables) as [TableKey, readonly string[]][]) {
    const arn = tableArn(table);
    const sid = `Table${pascal(table)}`;
    const queryIndexes = declaration.queryIndexes?.[table];
    if (queryIndexes) {
      const unknown = queryIndexes.filter((name) => !tables[table].indexes.some((index) => index.name === name));
      if (unknown.length) throw new Error(`${key} queries undeclared indexes of ${table}: ${unknown.join(', ')}`);
      const others = actions.filter((action) => action !== 'dynamodb:Query');
      if (others.length) statements.push({ sid, actions: others, resources: [arn] });
      statements.push({ sid: `${sid}Indexes`, actions: ['dynamodb:Query'], resources: queryIndexes.map((name) => `${arn}/index/${name}`) });
      continue;
    }
    const indexArns = actions.includes('dynamodb:Query') ? tables[table].indexes.map((index) => `${arn}/index/${index.name}`) : [];
    statements.push({ sid, actions: [...actions], resources: [arn, ...indexArns] });
  }
  return statements;
};

/**
 * The declared actions on each declared state machine. Two are authorized on executions instead (the Step
 * Functions service authorization reference): GetExecutionHistory on the machine's executions of both kinds
 * (`execution:` and `express:`), RedriveExecution on its Standard ones only (`execution:`; Express runs are
 * never redriven).
 */
export const stateMachineGrantStatements = (
  key: FunctionKey,
  arns: Pick<GrantArns, 'stateMachine' | 'stateMachineExecutions'>,
): GrantStatement[] => {
  const declaration: FunctionDeclaration = functions[key];
  const statements: GrantStatement[] = [];
  for (const [machine, actions] of Object.entries(declaration.stateMachines ?? {})) {
    const sid = `StateMachine${pascal(machine)}`;
    const onMachine = actions.filter((action) => action !== 'states:GetExecutionHistory' && action !== 'states:RedriveExecution');
    if (onMachine.length) statements.push({ sid, actions: onMachine, resources: [arns.stateMachine(machine)] });
    if (actions.includes('states:GetExecutionHistory')) {
      statements.push({ sid: `${sid}Histories`, actions: ['states:GetExecutionHistory'], resources: [...arns.stateMachineExecutions(machine)] });
    }
    if (actions.includes('states:RedriveExecution')) {
      const standard = arns.stateMachineExecutions(machine).filter((arn) => !arn.includes(':express:'));
      statements.push({ sid: `${sid}Redrive`, actions: ['states:RedriveExecution'], resources: standard });
    }
  }
  return statements;
};

/**
 * The encryption context every use of the data key must carry: one of these purposes, a merchant, nothing
 * else. Function roles and the data key's own policy (lib/constructs/key-policies.ts) both require it.
 */
export const dataKeyContextConditions = (purposes: readonly EncryptionPurpose[]) => ({
  StringEquals: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEYS.purpose}`]: [...purposes] },
  Null: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEYS.merchant}`]: 'false' },
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [ENCRYPTION_CONTEXT_KEYS.merchant, ENCRYPTION_CONTEXT_KEYS.purpose] },
});

/** The only MAC algorithm the fingerprint key is used with. */
export const fingerprintMacConditions = () => ({ StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } });

/**
 * The KMS part of a role: exactly the declared actions, on the given key ARNs, the data key only with an encryption
 * context naming a merchant and one of the declared purposes (lib/constructs/kms-grants.ts says why).
 */
export const kmsGrantStatements = (kms: KmsDeclaration | undefined, keys: KmsKeyArns): GrantStatement[] => {
  const statements: GrantStatement[] = [];
  const dataKey = (sid: string, action: string, purposes: readonly EncryptionPurpose[]): GrantStatement => ({
    sid,
    actions: [action],
    resources: [keys.data],
    conditions: dataKeyContextConditions(purposes),
  });
  if (kms?.encrypt?.length) statements.push(dataKey('DataKeyGenerate', 'kms:GenerateDataKey', kms.encrypt));
  if (kms?.decrypt?.length) statements.push(dataKey('DataKeyDecrypt', 'kms:Decrypt', kms.decrypt));
  if (kms?.fingerprint) {
    statements.push({ sid: 'FingerprintKeyMac', actions: ['kms:GenerateMac'], resources: [keys.fingerprint], conditions: fingerprintMacConditions() });
  }
  return statements;
};

/** The declared actions on one queue of platform/queues.ts (a function that consumes it gets its consumer grants in lib/). */
export const queueGrantStatement = (key: FunctionKey, queue: QueueKey, queueArn: string): GrantStatement | undefined => {
  const actions = (functions[key] as FunctionDeclaration).queues?.[queue];
  return actions?.length ? { sid: `Queue${pascal(queue)}`, actions: [...actions], resources: [queueArn] } : undefined;
};

/**
 * A function that reads the platform's metrics (`readsMetrics`): cloudwatch:GetMetricData has no resource-level
 * permissions (the CloudWatch service authorization reference lists no resource type for it), so `*` is its only
 * resource; it is read-only and reads metrics, no logs.
 */
export const metricGrantStatements = (key: FunctionKey): GrantStatement[] =>
  (functions[key] as FunctionDeclaration).readsMetrics ? [{ sid: 'ReadMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }] : [];

/**
 * A function that reads the region's alarms (`readsAlarms`): cloudwatch:DescribeAlarms is authorized on alarm ARNs,
 * and a listing by name prefix (the app's, platform/alarms.ts `alarmNamePrefix`) on `alarm:*`: the prefix is a
 * filter, not a resource. So the tightest grant that lets it list is this region's and account's alarms.
 */
export const alarmGrantStatements = (key: FunctionKey, alarmsArn: string): GrantStatement[] =>
  (functions[key] as FunctionDeclaration).readsAlarms ? [{ sid: 'ReadAlarms', actions: ['cloudwatch:DescribeAlarms'], resources: [alarmsArn] }] : [];

/**
 * Every grant a function's declaration makes on the platform's own resources (tables, state machines, KMS keys,
 * queues) and its metrics and alarms reads: what local/ enforces. lib/ adds what has no local counterpart (logs, X-Ray, secrets, dead-letter
 * queues, stream reads, a consumer's receive and delete).
 */
export const functionGrantStatements = (key: FunctionKey, arns: GrantArns): GrantStatement[] => {
  const declaration: FunctionDeclaration = functions[key];
  return [
    ...tableGrantStatements(key, arns.table),
    ...stateMachineGrantStatements(key, arns),
    ...kmsGrantStatements(declaration.kms, arns.keys),
    ...(Object.keys(declaration.queues ?? {}) as QueueKey[]).flatMap((queue) => queueGrantStatement(key, queue, arns.queue(queue)) ?? []),
    ...metricGrantStatements(key),
    ...alarmGrantStatements(key, arns.alarms),
  ];
};
