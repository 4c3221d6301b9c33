import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  type StateMachineDeclaration,
  type StateMachineType,
  type Substitution,
  substitutedStateMachine,
  definitionPlaceholders,
  stateMachineArn,
  stateMachineName,
} from '../../platform/state-machines';
import { localCacheDir } from '../cache';
import { InvalidDefinitionError } from './errors';

/**
 * Loads a declared ASL file and prepares it for aws-local-stepfunctions (the interpreter).
 *
 * The interpreter runs Choice, Pass, Parallel, Map, Succeed, Fail, Catch, InputPath/ResultSelector/
 * ResultPath/OutputPath and intrinsics as they are. Task and Wait states are handed to the engine
 * (taskResourceLocalHandlers), which runs Parameters, Retry, timeouts, task tokens and Lambda
 * semantics per attempt the way AWS does (task-states.ts). The rewritten definition keeps every
 * state name, so history events map back to the ASL one to one.
 *
 * `$$.Execution` and `$$.State` paths are rewritten to context entries the interpreter does not
 * overwrite: it replaces `$$.Execution.Input`/`StartTime` in every Parallel branch and Map iteration
 * (and in the engine's one-state attempt machines) with values of its own.
 */
export const MAX_TIMER_SECONDS = 2_147_483; // setTimeout holds at most 2^31-1 ms (about 24.8 days)
export const WAIT_RESOURCE = 'arn:aws:states:::local:wait';

export type TaskKind = 'lambda-function' | 'lambda-invoke' | 'lambda-invoke-callback' | 'states-start-execution' | 'states-start-execution-sync';

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

type AslObject = Record<string, unknown>;

interface StateCommon {
  readonly name: string;
  /** Identifier of the state in rewritten context paths (`$$.__States.<key>`). */
  readonly key: string;
  /** The state as written in the ASL (after substitutions). */
  readonly definition: AslObject;
  readonly catchers: readonly Catcher[];
}

export interface TaskStateInfo extends StateCommon {
  readonly type: 'Task';
  readonly kind: TaskKind;
  readonly resource: string;
  readonly retriers: readonly Retrier[];
  readonly timeoutSeconds?: number;
  readonly timeoutSecondsPath?: string;
  readonly heartbeatSeconds?: number;
  readonly heartbeatSecondsPath?: string;
  /** Parameters with context paths rewritten, evaluated by the interpreter once per attempt. */
  readonly parameters?: unknown;
}

export interface WaitStateInfo extends StateCommon {
  readonly type: 'Wait';
}

export interface OtherStateInfo extends StateCommon {
  readonly type: 'Pass' | 'Choice' | 'Parallel' | 'Map' | 'Succeed' | 'Fail';
}

export type StateInfo = TaskStateInfo | WaitStateInfo | OtherStateInfo;

export interface CompiledStateMachine {
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly type: StateMachineType;
  readonly description: string;
  /** The ASL with substitutions applied: what DescribeStateMachine returns. */
  readonly definitionText: string;
  readonly definitionFile: string;
  readonly creationDate: Date;
  readonly roleArn: string;
  /** Every state at every depth, by name (ASL state names are unique in a state machine). */
  readonly states: ReadonlyMap<string, StateInfo>;
  /** The interpreter, built once (validation costs about 100 ms) and shared by all executions. */
  readonly machine: StateMachine;
  /** The definition the interpreter runs (a redrive builds one starting at another state). */
  readonly executable: Readonly<Record<string, unknown>>;
  /** The names of the top-level states, where a redrive may start. */
  readonly topLevelStates: readonly string[];
  /** Scaled Retry pauses of Parallel and Map states (the interpreter retries those itself). */
  readonly retryIntervalOverrides: Readonly<Record<string, number[]>>;
}

export interface CompileOptions {
  readonly repositoryRoot: string;
  readonly region: string;
  readonly account: string;
  readonly timeScale: number;
  /**
   * Scales an EXPRESS execution's TimeoutSeconds (default `timeScale`): it bounds work, like a task's
   * timeout, where a STANDARD execution's bounds waiting.
   */
  readonly expressTimeoutScale?: number;
  /** The ARN a substitution's function reference resolves to. */
  readonly functionArn: (functionRef: string) => string;
}

const LAMBDA_FUNCTION_ARN = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?$/;
const TASK_KINDS: Readonly<Record<string, TaskKind>> = {
  'arn:aws:states:::lambda:invoke': 'lambda-invoke',
  'arn:aws:states:::lambda:invoke.waitForTaskToken': 'lambda-invoke-callback',
  'arn:aws:states:::states:startExecution': 'states-start-execution',
  'arn:aws:states:::states:startExecution.sync:2': 'states-start-execution-sync',
};

export const scaledSeconds = (seconds: number, timeScale: number): number => Math.min(seconds * timeScale, MAX_TIMER_SECONDS);

const rewriteContextPaths = (path: string, stateKey: string): string =>
  path
    .replace(/\$\$\.Execution\b/g, () => '$$.__Execution')
    .replace(/\$\$\.State\b/g, () => `$$.__States.${stateKey}`);

/** Rewrite every JSONPath-bearing string (keys ending `.$` or `Path`, Choice `Variable`) below a field. */
const rewriteFields = (value: unknown, key: string, stateKey: string): unknown => {
  if (typeof value === 'string') {
    return key.endsWith('.$') || key.endsWith('Path') || key === 'Variable' ? rewriteContextPaths(value, stateKey) : value;
  }
  if (Array.isArray(value)) return value.map((item) => rewriteFields(item, '', stateKey));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([field, inner]) => [field, rewriteFields(inner, field, stateKey)]));
  }
  return value;
};

const pick = (state: AslObject, fields: readonly string[]): AslObject =>
  Object.fromEntries(fields.filter((field) => state[field] !== undefined).map((field) => [field, state[field]]));

const FLOW_FIELDS = ['Comment', 'Next', 'End'] as const;
const UNSUPPORTED_FIELDS: Readonly<Record<string, string>> = {
  Assign: 'variables (Assign) are not supported locally',
  Output: 'JSONata Output is not supported locally',
  Arguments: 'JSONata Arguments are not supported locally',
  Credentials: 'cross-account task Credentials are not supported locally',
  ItemReader: 'distributed Map (ItemReader) is not supported locally',
  ItemBatcher: 'distributed Map (ItemBatcher) is not supported locally',
  ResultWriter: 'distributed Map (ResultWriter) is not supported locally',
};

interface Compilation {
  readonly states: Map<string, StateInfo>;
  readonly problems: string[];
  readonly retryIntervalOverrides: Record<string, number[]>;
  readonly type: StateMachineType;
  readonly timeScale: number;
}

const asObject = (value: unknown): AslObject => (value !== null && typeof value === 'object' ? (value as AslObject) : {});

const compileState = (name: string, state: AslObject, compilation: Compilation): AslObject => {
  const key = `s${compilation.states.size}`;
  const { problems } = compilation;
  if (compilation.states.has(name)) problems.push(`state name '${name}' is used more than once`);
  if (state.QueryLanguage === 'JSONata') problems.push(`${name}: JSONata is not supported locally: use JSONPath`);
  for (const [field, reason] of Object.entries(UNSUPPORTED_FIELDS)) {
    if (state[field] !== undefined) problems.push(`${name}: ${reason}`);
  }
  const rewritten: AslObject = {};
  for (const [field, value] of Object.entries(state)) {
    if (field === 'Branches' || field === 'Iterator' || field === 'ItemProcessor' || field === 'Result') rewritten[field] = value;
    else rewritten[field] = rewriteFields(value, field, key);
  }
  const catchers = (state.Catch as Catcher[] | undefined) ?? [];
  const common = { name, key, definition: state, catchers };
  const type = state.Type as StateInfo['type'];

  if (type === 'Task') {
    const resource = String(state.Resource);
    const kind: TaskKind | undefined = LAMBDA_FUNCTION_ARN.test(resource) ? 'lambda-function' : TASK_KINDS[resource];
    if (!kind) {
      problems.push(
        `${name}: Resource '${resource}' is not supported locally (a Lambda function ARN, lambda:invoke, lambda:invoke.waitForTaskToken, states:startExecution or states:startExecution.sync:2)`,
      );
    }
    if (kind === 'states-start-execution-sync' && compilation.type === 'EXPRESS') {
      problems.push(`${name}: EXPRESS state machines cannot run a child execution synchronously (.sync)`);
    }
    if (kind === 'lambda-invoke-callback') {
      if (compilation.type === 'EXPRESS') problems.push(`${name}: EXPRESS state machines cannot wait for task tokens`);
      if (!JSON.stringify(state.Parameters ?? null).includes('$$.Task.Token')) {
        problems.push(`${name}: a .waitForTaskToken task must pass $$.Task.Token in its Parameters`);
      }
    }
    if (kind !== 'lambda-invoke-callback' && (state.HeartbeatSeconds !== undefined || state.HeartbeatSecondsPath !== undefined)) {
      problems.push(`${name}: HeartbeatSeconds is only supported on .waitForTaskToken tasks locally`);
    }
    compilation.states.set(name, {
      ...common,
      type,
      kind: kind ?? 'lambda-function',
      resource,
      retriers: (state.Retry as Retrier[] | undefined) ?? [],
      timeoutSeconds: state.TimeoutSeconds as number | undefined,
      timeoutSecondsPath: state.TimeoutSecondsPath as string | undefined,
      heartbeatSeconds: state.HeartbeatSeconds as number | undefined,
      heartbeatSecondsPath: state.HeartbeatSecondsPath as string | undefined,
      parameters: rewritten.Parameters,
    });
    return {
      ...pick(rewritten, [...FLOW_FIELDS, 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Catch']),
      Type: 'Task',
      Resource: resource,
      TimeoutSeconds: MAX_TIMER_SECONDS, // per-attempt timeouts are the engine's; the interpreter's default is 60 s
    };
  }
  if (type === 'Wait') {
    compilation.states.set(name, { ...common, type });
    return { ...pick(rewritten, [...FLOW_FIELDS, 'InputPath', 'OutputPath']), Type: 'Task', Resource: WAIT_RESOURCE, TimeoutSeconds: MAX_TIMER_SECONDS };
  }

  compilation.states.set(name, { ...common, type });
  if ((type === 'Parallel' || type === 'Map') && Array.isArray(state.Retry) && compilation.timeScale !== 1) {
    compilation.retryIntervalOverrides[name] = (state.Retry as Retrier[]).map(
      (retrier) => scaledSeconds(retrier.IntervalSeconds ?? 1, compilation.timeScale) * 1000,
    );
  }
  if (type === 'Parallel') {
    return { ...rewritten, Branches: (state.Branches as AslObject[]).map((branch) => compileBranch(branch, compilation)) };
  }
  if (type === 'Map') {
    const processorField = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
    const processor = asObject(state[processorField]);
    if (asObject(processor.ProcessorConfig).Mode === 'DISTRIBUTED') problems.push(`${name}: distributed Map is not supported locally`);
    return { ...rewritten, [processorField]: compileBranch(processor, compilation) };
  }
  return rewritten;
};

const compileBranch = (machine: AslObject, compilation: Compilation): AslObject => {
  const states = asObject(machine.States);
  return {
    ...machine,
    States: Object.fromEntries(Object.entries(states).map(([name, state]) => [name, compileState(name, asObject(state), compilation)])),
  };
};

/**
 * Validation takes 100-600 ms of CPU per file (about 1.5 s for the platform's seven): an engine started
 * again in this process skips it, and so does any later process (a runtime start, a test file) for a
 * definition text that passed before with the same validator: a marker file per passing text in
 * node_modules/.cache/xborder-asl-valid, named by the hash of the text and of the interpreter's and
 * validator's package.json. A definition that fails is never marked, so it fails at every start.
 */
const validDefinitions = new Set<string>();

/** The package.json of a package as this module resolves it (walking up from its entry point). */
const manifestOf = (require: NodeJS.Require, name: string): { text: string; require: NodeJS.Require } => {
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name) return { text: readFileSync(file, 'utf8'), require: createRequire(file) };
  }
  throw new Error(`No package.json for ${name}`);
};

let validatorVersions: string | undefined;
const validationMarker = (definitionText: string): string => {
  if (validatorVersions === undefined) {
    const interpreter = manifestOf(createRequire(import.meta.url), 'aws-local-stepfunctions');
    validatorVersions = interpreter.text + manifestOf(interpreter.require, 'asl-validator').text;
  }
  const key = createHash('sha256').update(validatorVersions).update('\0').update(definitionText).digest('hex');
  return join(localCacheDir('xborder-asl-valid'), key);
};

const markValid = (definitionText: string): void => {
  validDefinitions.add(definitionText);
  try {
    const marker = validationMarker(definitionText);
    mkdirSync(dirname(marker), { recursive: true });
    writeFileSync(marker, '');
  } catch {
    // A cache that cannot be written costs the next start a validation, nothing else.
  }
};

const knownValid = (definitionText: string): boolean => validDefinitions.has(definitionText) || existsSync(validationMarker(definitionText));

/** Read, substitute, validate and prepare one declared state machine. Throws InvalidDefinitionError. */
export const compileStateMachine = (
  key: string,
  declaration: StateMachineDeclaration<string>,
  options: CompileOptions,
): CompiledStateMachine => {
  const file = isAbsolute(declaration.definitionFile) ? declaration.definitionFile : join(options.repositoryRoot, declaration.definitionFile);
  const fail = (problems: readonly string[]): never => {
    throw new InvalidDefinitionError(`${declaration.definitionFile} (state machine '${key}'):\n  ${problems.join('\n  ')}`);
  };
  const source = readFileSync(file, 'utf8');

  const used = definitionPlaceholders(source);
  const declared = Object.keys(declaration.substitutions).sort();
  const undeclared = used.filter((name) => !declared.includes(name));
  const unused = declared.filter((name) => !used.includes(name));
  if (undeclared.length || unused.length) {
    fail([
      ...undeclared.map((name) => `\${${name}} is used in the ASL but has no substitution`),
      ...unused.map((name) => `substitution '${name}' is declared but \${${name}} is not in the ASL`),
    ]);
  }
  const definitionText = source.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const substitution = declaration.substitutions[name] as Substitution<string>;
    const machine = substitutedStateMachine(substitution);
    return machine === undefined ? options.functionArn(substitution as string) : stateMachineArn(machine, options.region, options.account);
  });

  let parsed: AslObject;
  try {
    parsed = asObject(JSON.parse(definitionText));
  } catch (error) {
    return fail([`not valid JSON: ${(error as Error).message}`]);
  }
  if (!knownValid(definitionText)) {
    try {
      // Validates the ASL as written (asl-validator: structure, JSONPaths, ARNs, reachability). The
      // validator annotates what it is given (QueryLanguage on every state): hand it a copy.
      new StateMachine(structuredClone(parsed) as unknown as StateMachineDefinition);
    } catch (error) {
      fail([(error as Error).message]);
    }
    markValid(definitionText);
  }

  const compilation: Compilation = {
    states: new Map(),
    problems: [],
    retryIntervalOverrides: {},
    type: declaration.type,
    timeScale: options.timeScale,
  };
  if (parsed.QueryLanguage === 'JSONata') compilation.problems.push('top level: JSONata is not supported locally: use JSONPath');
  for (const [field, reason] of Object.entries(UNSUPPORTED_FIELDS)) {
    if (parsed[field] !== undefined) compilation.problems.push(`top level: ${reason}`);
  }
  const executable = compileBranch(parsed, compilation);
  if (typeof parsed.TimeoutSeconds === 'number') {
    const scale = declaration.type === 'EXPRESS' ? (options.expressTimeoutScale ?? options.timeScale) : options.timeScale;
    executable.TimeoutSeconds = scaledSeconds(parsed.TimeoutSeconds, scale);
  }
  if (compilation.problems.length) fail(compilation.problems);

  const name = stateMachineName(key);
  return {
    key,
    name,
    arn: stateMachineArn(key, options.region, options.account),
    type: declaration.type,
    description: declaration.description,
    definitionText,
    definitionFile: declaration.definitionFile,
    creationDate: new Date(),
    roleArn: `arn:aws:iam::${options.account}:role/${name}`,
    states: compilation.states,
    machine: new StateMachine(executable as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } }),
    executable,
    topLevelStates: Object.keys(asObject(parsed.States)),
    retryIntervalOverrides: compilation.retryIntervalOverrides,
  };
};
