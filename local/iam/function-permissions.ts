import { AsyncLocalStorage } from 'node:async_hooks';
import { deployment } from '../../platform/deployment';
import { type GrantArns, type GrantStatement, functionGrantStatements } from '../../platform/function-grants';
import { type FunctionKey, functionName } from '../../platform/functions';
import { type KmsKeyName, kmsKeyNames, kmsKeys } from '../../platform/keys';
import { queueName } from '../../platform/queues';
import { stateMachineArn, stateMachineName } from '../../platform/state-machines';
import { type TableKey, tableName } from '../../platform/tables';
import { LOCAL_ACCOUNT } from '../step-functions/arns';

/**
 * IAM, enforced locally (docs/decisions/0023). In AWS each function's role holds exactly the statements its
 * declaration makes (platform/function-grants.ts); locally all functions share one process and one set of SDK
 * clients, so nothing stopped a handler from calling a table, key, state machine or queue its declaration does
 * not grant, and the mistake surfaced only after a deploy. Here the same statements are compiled once per
 * function; the one client factory (lambdas/shared/clients.ts) asks `authorizeLocalCall` before each SDK call
 * made inside an invocation (LambdaHost runs each in `invocationIdentity`), and a call the role would refuse
 * fails as AWS fails it: AccessDeniedException, HTTP 400, naming the function, the action and the resource.
 *
 * Calls outside an invocation (the runtime's seeding, test setup, the local engines) are not checked.
 */

/** Where resources live in the local check: one region and account, so grant and request ARNs compare as strings. */
const REGION = deployment.primaryRegion;
const ACCOUNT = LOCAL_ACCOUNT;

const tableArn = (name: string): string => (name.startsWith('arn:') ? name : `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`);
const stateMachineArnByName = (name: string): string => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
const queueArnByName = (name: string): string => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const alarmArn = (name: string): string => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
/** A declared KMS key by its name (`data`, `fingerprint`): locally each test or runtime has its own key ARNs. */
const kmsKeyArnByName = (name: KmsKeyName): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}`;

export const localGrantArns: GrantArns = {
  table: (table: TableKey) => tableArn(tableName(table)),
  stateMachine: (machine) => stateMachineArn(machine, REGION, ACCOUNT),
  stateMachineExecutions: (machine) => ['execution', 'express'].map((kind) => `arn:aws:states:${REGION}:${ACCOUNT}:${kind}:${stateMachineName(machine)}:*`),
  queue: (queue) => queueArnByName(queueName(queue)),
  keys: { data: kmsKeyArnByName('data'), fingerprint: kmsKeyArnByName('fingerprint') },
  alarms: alarmArn('*'),
};

/** What one SDK call asks IAM for: an action on a resource, with the request's condition keys. */
export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

type Input = Record<string, unknown>;
const record = (value: unknown): Input => (value && typeof value === 'object' ? (value as Input) : {});
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** An execution ARN's state machine (`arn:aws:states:r:a:execution|express:<machine>:<name>[:<id>]`). */
const executionStateMachine = (executionArn: string): string | undefined => /^arn:aws:states:[^:]*:[^:]*:(?:execution|express):([^:]+):/.exec(executionArn)?.[1];

/** The local engine's task tokens name their execution (local/step-functions/tokens.ts); AWS's are opaque. */
const taskTokenStateMachine = (token: string): string | undefined => {
  try {
    const claims = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown };
    return typeof claims.a === 'string' ? executionStateMachine(claims.a) : undefined;
  } catch {
    return undefined;
  }
};

/** A KMS KeyId (key ARN, alias ARN, key id) as the declared key it names, by the key ARNs this process was given. */
const kmsKeyResource = (keyId: string, environment: NodeJS.ProcessEnv): string => {
  for (const name of kmsKeyNames) {
    const arn = environment[kmsKeys[name].envVar];
    if (!arn) continue;
    // A multi-Region key has the same `mrk-` id in every region.
    const id = arn.slice(arn.lastIndexOf('/') + 1);
    if (keyId === arn || keyId === id || (id.startsWith('mrk-') && keyId.endsWith(`/${id}`))) return kmsKeyArnByName(name);
  }
  return keyId || 'unknown KMS key';
};

/** `kms:EncryptionContext:<key>` and `kms:EncryptionContextKeys`, as IAM evaluates them. */
const encryptionContextKeys = (context: unknown): Record<string, string | readonly string[]> => {
  const pairs = Object.entries(record(context)).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return { ...Object.fromEntries(pairs.map(([key, value]) => [`kms:EncryptionContext:${key}`, value])), 'kms:EncryptionContextKeys': pairs.map(([key]) => key) };
};

const DYNAMODB_TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

/**
 * What IAM authorizes for one SDK call (the AWS Service Authorization Reference): a DynamoDB transaction asks
 * for each item's own action on its table (there is no transaction action), a batch for the batch action on
 * each table it names, a Query or Scan of an index for the action on the index; KMS actions on the key with the
 * request's encryption context or MAC algorithm; Step Functions actions on the state machine (task tokens: the
 * state machine of the token's execution, as lib/ grants them); SQS batch calls as their single action; CloudWatch's
 * DescribeAlarms on the named alarms, or on `alarm:*` for a listing.
 * A call this does not know asks for `<service>:<operation>` on `*`, which no declaration grants: a new kind of
 * call fails locally until it is mapped here and declared.
 */
export const authorizationRequests = (service: string, command: string, rawInput: unknown, environment: NodeJS.ProcessEnv = process.env): AuthorizationRequest[] => {
  const operation = command.replace(/Command$/, '');
  const input = record(rawInput);
  if (service === 'dynamodb') {
    switch (operation) {
      case 'GetItem':
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return [{ action: `dynamodb:${operation}`, resource: tableArn(text(input.TableName)) }];
      case 'Query':
      case 'Scan': {
        const table = tableArn(text(input.TableName));
        return [{ action: `dynamodb:${operation}`, resource: input.IndexName ? `${table}/index/${text(input.IndexName)}` : table }];
      }
      case 'BatchGetItem':
      case 'BatchWriteItem':
        return Object.keys(record(input.RequestItems)).map((table) => ({ action: `dynamodb:${operation}`, resource: tableArn(table) }));
      case 'TransactWriteItems':
      case 'TransactGetItems':
        return (Array.isArray(input.TransactItems) ? input.TransactItems : []).flatMap((item) =>
          Object.entries(record(item)).map(([kind, request]) => ({
            action: DYNAMODB_TRANSACT_ACTIONS[kind] ?? `dynamodb:${kind}`,
            resource: tableArn(text(record(request).TableName)),
          })),
        );
    }
  }
  if (service === 'kms') {
    const resource = kmsKeyResource(text(input.KeyId), environment);
    switch (operation) {
      case 'GenerateDataKey':
      case 'GenerateDataKeyWithoutPlaintext':
      case 'Encrypt':
      case 'Decrypt':
      case 'ReEncrypt':
        return [{ action: `kms:${operation}`, resource, context: encryptionContextKeys(input.EncryptionContext) }];
      case 'GenerateMac':
      case 'VerifyMac':
        return [{ action: `kms:${operation}`, resource, context: { 'kms:MacAlgorithm': text(input.MacAlgorithm) } }];
    }
  }
  if (service === 'states') {
    switch (operation) {
      case 'StartExecution':
      case 'StartSyncExecution':
      case 'ListExecutions':
      case 'DescribeStateMachine': {
        const name = /:stateMachine:([^:]+)$/.exec(text(input.stateMachineArn))?.[1];
        return [{ action: `states:${operation}`, resource: name ? stateMachineArnByName(name) : text(input.stateMachineArn) }];
      }
      case 'DescribeExecution':
      case 'GetExecutionHistory':
      case 'RedriveExecution':
      case 'StopExecution': {
        const arn = text(input.executionArn);
        const match = /^arn:aws:states:[^:]*:[^:]*:(execution|express):(.+)$/.exec(arn);
        return [{ action: `states:${operation}`, resource: match ? `arn:aws:states:${REGION}:${ACCOUNT}:${match[1]}:${match[2]}` : arn }];
      }
      case 'SendTaskSuccess':
      case 'SendTaskFailure':
      case 'SendTaskHeartbeat': {
        const machine = taskTokenStateMachine(text(input.taskToken));
        return [{ action: `states:${operation}`, resource: machine ? stateMachineArnByName(machine) : 'unknown task token' }];
      }
    }
  }
  if (service === 'cloudwatch' && operation === 'DescribeAlarms') {
    // Named alarms are authorized each on its ARN; a listing (by prefix or of all) on `alarm:*`.
    const names = Array.isArray(input.AlarmNames) ? input.AlarmNames.map(text) : [];
    return (names.length ? names : ['*']).map((name) => ({ action: 'cloudwatch:DescribeAlarms', resource: alarmArn(name) }));
  }
  if (service === 'sqs') {
    const queue = text(input.QueueUrl).split('/').pop() ?? '';
    return [{ action: `sqs:${operation.replace(/Batch$/, '')}`, resource: queueArnByName(queue) }];
  }
  return [{ action: `${service}:${operation}`, resource: '*' }];
};

type Condition = (context: Readonly<Record<string, string | readonly string[]>>) => boolean;

/** The condition operators lib/ writes into function roles; any other fails at compile time, loudly. */
const compileConditions = (conditions: GrantStatement['conditions']): Condition[] =>
  Object.entries(conditions ?? {}).flatMap(([operator, keys]) =>
    Object.entries(keys).map(([key, expected]): Condition => {
      const allowed = typeof expected === 'string' ? [expected] : [...expected];
      switch (operator) {
        case 'StringEquals':
          return (context) => typeof context[key] === 'string' && allowed.includes(context[key] as string);
        case 'Null':
          // `Null: false` requires the key; `Null: true` requires its absence.
          return (context) => (context[key] === undefined) === (allowed[0] === 'true');
        case 'ForAllValues:StringEquals':
          return (context) => {
            const values = context[key];
            return values === undefined || (typeof values === 'string' ? [values] : values).every((value) => allowed.includes(value));
          };
        default:
          throw new Error(`The local IAM check does not evaluate the condition operator ${operator}`);
      }
    }),
  );

interface CompiledStatement {
  readonly resources: readonly ((arn: string) => boolean)[];
  readonly conditions: readonly Condition[];
}

/** An ARN as IAM matches it: `*` and `?` are wildcards; most grants name exact ARNs, compared as strings. */
const resourcePattern = (resource: string): ((arn: string) => boolean) => {
  if (!/[*?]/.test(resource)) return (arn) => arn === resource;
  const pattern = new RegExp(`^${resource.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (arn) => pattern.test(arn);
};

/** One function's grants, indexed by action: each call looks up its action, then matches resources. */
export class FunctionGrants {
  private readonly byAction = new Map<string, CompiledStatement[]>();

  constructor(statements: readonly GrantStatement[]) {
    for (const statement of statements) {
      const compiled = { resources: statement.resources.map(resourcePattern), conditions: compileConditions(statement.conditions) };
      for (const action of statement.actions) {
        const list = this.byAction.get(action) ?? [];
        list.push(compiled);
        this.byAction.set(action, list);
      }
    }
  }

  allows(request: AuthorizationRequest): boolean {
    const context = request.context ?? {};
    return (this.byAction.get(request.action) ?? []).some(
      (statement) => statement.resources.some((matches) => matches(request.resource)) && statement.conditions.every((condition) => condition(context)),
    );
  }
}

/** The error AWS answers a call the caller's role does not allow, as the SDK surfaces it. */
export class AccessDeniedException extends Error {
  override readonly name = 'AccessDeniedException';
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 };
  readonly __type = 'com.amazon.coral.service#AccessDeniedException';
}

const grantsCache = new Map<FunctionKey, FunctionGrants>();

/** A function's compiled grants (compiled once: every SDK call of the bench goes through this). */
export const functionGrants = (key: FunctionKey): FunctionGrants => {
  let grants = grantsCache.get(key);
  if (!grants) {
    grants = new FunctionGrants(functionGrantStatements(key, localGrantArns));
    grantsCache.set(key, grants);
  }
  return grants;
};

const reported = new Set<string>();

/** Throws AccessDeniedException for the first request of the call that `key`'s role does not allow. */
export const authorizeCall = (key: FunctionKey, service: string, command: string, input: unknown): void => {
  const grants = functionGrants(key);
  for (const request of authorizationRequests(service, command, input)) {
    if (grants.allows(request)) continue;
    const role = functionName(deployment.appName, key);
    const denial = `${key} ${request.action} ${request.resource}`;
    if (!reported.has(denial)) {
      // A handler may turn the error into a 500 or a retry: say once, plainly, what was refused and where to grant it
      // (on stderr itself: test runners capture `console`).
      reported.add(denial);
      process.stderr.write(`local IAM: ${key} is not granted ${request.action} on ${request.resource} (declare it in platform/functions.ts)\n`);
    }
    throw new AccessDeniedException(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${role} is not authorized to perform: ${request.action} on resource: ${request.resource} ` +
        `because no identity-based policy allows the ${request.action} action (function ${key}: platform/functions.ts does not grant it)`,
    );
  }
};

/**
 * The function whose invocation is running (LambdaHost runs every invocation inside it). Kept on a global
 * symbol, like the check itself, so a second copy of this module (a test's fresh module registry) shares it.
 */
const IDENTITY = Symbol.for('xborder.local-iam.identity');
export const invocationIdentity: AsyncLocalStorage<FunctionKey> = ((globalThis as Record<symbol, unknown>)[IDENTITY] ??=
  new AsyncLocalStorage<FunctionKey>()) as AsyncLocalStorage<FunctionKey>;

/** The symbol lambdas/shared/clients.ts looks for: a check it adds to every client it builds (and only if present). */
const LOCAL_AUTHORIZER = Symbol.for('xborder.local-iam.authorize');

/**
 * Registers the check for the clients lambdas/shared/clients.ts builds from now on. Idempotent; done when
 * local/lambda-host.ts is loaded, before any handler module (and so any client) exists.
 */
export const installLocalIam = (): void => {
  const global = globalThis as Record<symbol, unknown>;
  if (global[LOCAL_AUTHORIZER]) return;
  global[LOCAL_AUTHORIZER] = (service: string, command: string, input: unknown): void => {
    const key = invocationIdentity.getStore();
    if (key) authorizeCall(key, service, command, input);
  };
};
