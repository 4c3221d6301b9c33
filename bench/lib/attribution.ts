import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { idShapes } from '../../lambdas/domain/ids';
import type { LambdaHost } from '../../local/lambda-host';
import type { FunctionKey } from '../../platform/functions';
import { type StateMachineKey, stateMachines } from '../../platform/state-machines';

/**
 * Which operation caused each count of the benchmark window: a card payment (with its captures, refunds
 * and settlements), an FX conversion, or a payout. Without it a run that mixes payouts with payments would
 * divide the payout saga's transitions and the ledger postings of conversions by the payments, and
 * `per_payment` would stop meaning "what a payment costs".
 *
 * How each count finds its operation (docs/benchmarks.md, "Attribution"):
 * - a merchant request carries `X-Bench-Operation` (the harness sets it: the mix knows why it calls; a
 *   quote taken for a payout is the payout's); the authorizer and the route's function run for that
 *   operation, and so does everything they do;
 * - a saga's task functions run for their state machine's operation (`WORKFLOW_OPERATION`); an acquirer
 *   webhook for payments, a payout rail's message for payouts;
 * - every invocation runs inside an AsyncLocalStorage scope naming its function and operation, so what a
 *   function does is tagged where it happens: its DynamoDB requests carry the operation in a header the
 *   counting proxy reads (bench/lib/capacity-proxy.ts), its KMS requests are counted per operation as they
 *   leave, its log lines per operation as they are written;
 * - Step Functions transitions and executions follow the state machine, API requests the merchant's
 *   header (webhooks: payments).
 * What none of these rules reaches is `unattributed` in the raw counts; the report carries it with the
 * payments (they carried everything before treasury traffic existed, so a payments-only mix reports what
 * it always did) and shows how much it was.
 */
export const OPERATION_KINDS = ['payment', 'conversion', 'payout'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];
export type Cause = OperationKind | 'unattributed';
export const CAUSES: readonly Cause[] = [...OPERATION_KINDS, 'unattributed'];

/** The request header a merchant's call names its operation with (the harness's own; the platform ignores it). */
export const OPERATION_HEADER = 'x-bench-operation';

/** The request header a merchant's call names the mix run it belongs to with (its sequence; the platform ignores it). */
export const RUN_HEADER = 'x-bench-run';

/** The header a DynamoDB request made inside an invocation carries to the counting proxy: which invocation made it. */
export const INVOCATION_HEADER = 'x-bench-invocation';

/** The ids a mix run's outcome names (its payment, refunds, payout, conversion; bench/lib/mix.ts). */
const RUN_OBJECT_ID = new RegExp(
  `^(?:${[idShapes.payment, idShapes.refund, idShapes.payout, idShapes.fx_quote, idShapes.conversion].map((shape) => shape.pattern.source.replace(/^\^|\$$/g, '')).join('|')})$`,
);

/** A run of letters, digits and underscores long enough to be an id, a reference or a hash. */
const TOKEN = /[A-Za-z0-9_]{12,}/g;

const isIdLike = (token: string) => token.length >= 12 && /[0-9]/.test(token) && /[A-Za-z]/.test(token);

/**
 * Id-like tokens of every string in a value (an event, a request body): runs of 12 or more letters, digits
 * and underscores that hold both a letter and a digit (object ids, acquirer and rail references, hashes;
 * not field names, words, amounts or times), and so do their parts between underscores (a rail's file
 * joins its reference to a date: `ACK_XBCEVRJ42TFOQLR_20261206133102_8`), and the run objects' ids whatever
 * they hold. How an invocation nobody sent a run header with (a saga task, an acquirer's webhook, a rail's
 * message) is tied to the runs it served (bench/lib/hot-partitions.ts). Strings are read as they are (a JSON
 * or XML body inside an event too), not as escaped JSON, so a newline before an id does not become part of it.
 */
export const idTokensOf = (value: unknown): string[] => {
  const tokens = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const token of node.match(TOKEN) ?? []) {
        if (isIdLike(token) || RUN_OBJECT_ID.test(token)) tokens.add(token);
        for (const part of token.split('_')) if (part !== token && isIdLike(part)) tokens.add(part);
      }
    } else if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') Object.values(node).forEach(visit);
  };
  visit(value);
  return [...tokens];
};

/** What an invocation says about whom it served: the run header of a merchant's request, and the id-like tokens of its event. */
export interface InvocationSubject {
  readonly key: FunctionKey;
  readonly run?: string;
  readonly tokens: readonly string[];
}

export const invocationSubjectOf = (key: FunctionKey, event: unknown): InvocationSubject => {
  const run = headerOf(event, RUN_HEADER);
  return { key, ...(run === undefined ? {} : { run }), tokens: idTokensOf(event) };
};

/** The operation each saga serves. A new state machine must be placed here (a unit test checks every declared one is). */
export const WORKFLOW_OPERATION: Readonly<Record<StateMachineKey, OperationKind>> = {
  payment: 'payment',
  paymentCaptureWindow: 'payment',
  refund: 'payment',
  sagaRecovery: 'payment',
  payout: 'payout',
  payoutWait: 'payout',
  // Reconciliation settles and books captures: part of what a payment costs (per batch, shared by its payments).
  settlementReconciliation: 'payment',
  // A bank statement's run checks the same batches' pay-ins (and payouts' debits): per day, shared by both.
  bankStatementReconciliation: 'payment',
  // An operator's move of a merchant between regions: rare; counted with payments, the platform's main operation.
  homeRegionMove: 'payment',
};

/** Functions invoked by the outside world rather than by a merchant or a saga: by what invokes them. */
const EVENT_FUNCTION_OPERATION: Partial<Record<FunctionKey, OperationKind>> = {
  receiveChannelEvent: 'payment',
  receivePayoutRailEvents: 'payout',
};

export const isOperationKind = (value: unknown): value is OperationKind => (OPERATION_KINDS as readonly unknown[]).includes(value);

/** The operation a function always runs for (saga tasks, event receivers), or undefined when it depends on the caller. */
export const staticOperationOf = (key: string): OperationKind | undefined => {
  const direct = EVENT_FUNCTION_OPERATION[key as FunctionKey];
  if (direct) return direct;
  // The recovery serves every kind of object (its own executions count as payments: recoveries are rare in
  // a bench); a function it shares with another workflow serves that workflow's operation.
  const using = Object.entries(stateMachines).filter(([, declaration]) => (Object.values(declaration.substitutions) as unknown[]).includes(key));
  const owners = using.length > 1 ? using.filter(([machine]) => machine !== 'sagaRecovery') : using;
  const kinds = new Set<OperationKind>(owners.map(([machine]) => WORKFLOW_OPERATION[machine as StateMachineKey]));
  return kinds.size === 1 ? [...kinds][0] : undefined;
};

const headerOf = (event: unknown, name: string): string | undefined => {
  const headers = (event as { headers?: unknown } | null)?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  const found = Object.entries(headers as Record<string, unknown>).find(([header]) => header.toLowerCase() === name);
  return typeof found?.[1] === 'string' ? found[1] : undefined;
};

/** Why an invocation of `key` with `event` happened. */
export const causeOf = (key: string, event: unknown): Cause => {
  const declared = headerOf(event, OPERATION_HEADER);
  if (isOperationKind(declared)) return declared;
  return staticOperationOf(key) ?? 'unattributed';
};

export type CountsByCause = Record<Cause, Record<string, number>>;

const emptyByCause = (): CountsByCause => ({ payment: {}, conversion: {}, payout: {}, unattributed: {} });
const add = (record: Record<string, number>, key: string, value: number) => {
  record[key] = (record[key] ?? 0) + value;
};

export interface TrackerSnapshot {
  /** Invocations per cause and function. */
  readonly invocations: CountsByCause;
  /** Wall time of those invocations per cause and function (ms, as measured around the host's invoke). */
  readonly durationMs: CountsByCause;
  /** KMS requests leaving the functions, per cause and operation (GenerateDataKey, Decrypt...). */
  readonly kms: CountsByCause;
  /** Function log lines and metric (EMF) lines written, per cause: bytes and events. */
  readonly functionLogs: Record<Cause, { bytes: number; events: number }>;
  readonly metrics: Record<Cause, { bytes: number; events: number }>;
}

export interface InvocationEnd {
  readonly key: FunctionKey;
  readonly event: unknown;
  readonly cause: Cause;
  readonly failed: boolean;
}

/** Installed on a LambdaHost: runs every invocation in a scope naming its function and cause, and counts. */
export interface OperationTracker {
  /** The cause of the invocation running in the current async context, if any. */
  current(): { readonly key: FunctionKey; readonly cause: Cause; readonly invocation: string } | undefined;
  /** Every invocation so far (its id, as sent in INVOCATION_HEADER) and whom it served. */
  readonly invocationSubjects: ReadonlyMap<string, InvocationSubject>;
  /** API Gateway request id → cause, for every merchant request a function saw (access-log attribution). */
  readonly requestCauses: Map<string, Cause>;
  /** Invocations started and not finished. */
  readonly inFlight: number;
  /** Called after every invocation (also a failed one). */
  onInvocationEnd(listener: (end: InvocationEnd) => void): void;
  /** Count a log line (the output capture calls this as lines are written). */
  countLogLine(kind: 'function' | 'metrics', bytes: number): void;
  snapshot(): TrackerSnapshot;
  uninstall(): void;
}

export interface TrackerOptions {
  /** `host:port` of the KMS endpoint: requests to it are counted per cause. */
  readonly kmsHost?: string;
  /** `host:port` of the DynamoDB endpoint the platform uses (the counting proxy): requests to it get the cause and invocation headers. */
  readonly dynamoDbHost?: string;
}

const scope = new AsyncLocalStorage<{ readonly key: FunctionKey; readonly cause: Cause; readonly invocation: string }>();

export const installOperationTracker = (host: LambdaHost, options: TrackerOptions = {}): OperationTracker => {
  const invocations = emptyByCause();
  const durationMs = emptyByCause();
  const kms = emptyByCause();
  const zero = () => ({ payment: { bytes: 0, events: 0 }, conversion: { bytes: 0, events: 0 }, payout: { bytes: 0, events: 0 }, unattributed: { bytes: 0, events: 0 } });
  const functionLogs: TrackerSnapshot['functionLogs'] = zero();
  const metrics: TrackerSnapshot['metrics'] = zero();
  const requestCauses = new Map<string, Cause>();
  const invocationSubjects = new Map<string, InvocationSubject>();
  const listeners: ((end: InvocationEnd) => void)[] = [];
  let inFlight = 0;
  let invocationCount = 0;

  const original = host.invoke;
  const invoke = async function (this: LambdaHost, key: FunctionKey, event: unknown) {
    const cause = causeOf(key, event);
    const invocation = String((invocationCount += 1));
    invocationSubjects.set(invocation, invocationSubjectOf(key, event));
    const requestId = (event as { requestContext?: { requestId?: unknown } } | null)?.requestContext?.requestId;
    if (typeof requestId === 'string' && !requestCauses.has(requestId)) requestCauses.set(requestId, cause);
    add(invocations[cause], key, 1);
    inFlight += 1;
    const started = performance.now();
    let failed = false;
    try {
      return await scope.run({ key, cause, invocation }, () => original.call(host, key, event));
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      inFlight -= 1;
      add(durationMs[cause], key, performance.now() - started);
      for (const listener of listeners) listener({ key, event, cause, failed });
    }
  };
  host.invoke = invoke as LambdaHost['invoke'];

  // A client request is created in the caller's async context: the invocation that makes it.
  const onRequest = (message: unknown) => {
    const current = scope.getStore();
    if (!current) return;
    const request = (message as { request: ClientRequest }).request;
    const target = String(request.getHeader('host') ?? '');
    if (options.dynamoDbHost && target === options.dynamoDbHost && !request.headersSent) {
      request.setHeader(OPERATION_HEADER, current.cause);
      request.setHeader(INVOCATION_HEADER, current.invocation);
    }
    if (options.kmsHost && target === options.kmsHost) {
      const operation = String(request.getHeader('x-amz-target') ?? '').replace(/^TrentService\./, '');
      if (operation) add(kms[current.cause], operation, 1);
    }
  };
  subscribe('http.client.request.created', onRequest);

  return {
    current: () => scope.getStore(),
    invocationSubjects,
    requestCauses,
    get inFlight() {
      return inFlight;
    },
    onInvocationEnd: (listener) => {
      listeners.push(listener);
    },
    countLogLine: (kind, bytes) => {
      const cause = scope.getStore()?.cause ?? 'unattributed';
      const target = kind === 'function' ? functionLogs[cause] : metrics[cause];
      target.bytes += bytes;
      target.events += 1;
    },
    snapshot: () => structuredClone({ invocations, durationMs, kms, functionLogs, metrics }),
    uninstall: () => {
      unsubscribe('http.client.request.created', onRequest);
      host.invoke = original;
    },
  };
};

// ---- Arithmetic: splitting the window's counts by cause (pure, unit-tested) ----

/** after − before, cause by cause and key by key (zero differences left out). */
export const causeDelta = (before: CountsByCause, after: CountsByCause): CountsByCause => {
  const delta = emptyByCause();
  for (const cause of CAUSES) {
    for (const [key, value] of Object.entries(after[cause])) {
      const difference = value - (before[cause][key] ?? 0);
      if (difference !== 0) delta[cause][key] = difference;
    }
  }
  return delta;
};

/**
 * Splits each key's total among the causes in proportion to `shares` (what was observed per cause for that
 * key); a key no cause observed goes to `unattributed` whole. The parts of a key add up to its total.
 * Used where the platform counts one total and the tracker saw the split: billed milliseconds per function
 * (shared by the wall time each cause spent in it), KMS requests per operation.
 */
export const splitByShares = (totals: Readonly<Record<string, number>>, shares: CountsByCause): CountsByCause => {
  const split = emptyByCause();
  for (const [key, total] of Object.entries(totals)) {
    const weights = CAUSES.map((cause) => [cause, Math.max(0, shares[cause][key] ?? 0)] as const);
    const sum = weights.reduce((acc, [, weight]) => acc + weight, 0);
    if (sum === 0) {
      split.unattributed[key] = total;
      continue;
    }
    for (const [cause, weight] of weights) if (weight > 0) split[cause][key] = (total * weight) / sum;
  }
  return split;
};

/** Counts by operation kind: what no rule attributed is carried by the payments (see the module comment). */
export const withResidualOnPayments = <T>(byCause: Readonly<Record<Cause, T>>, merge: (payment: T, residual: T) => T): Record<OperationKind, T> => ({
  payment: merge(byCause.payment, byCause.unattributed),
  conversion: byCause.conversion,
  payout: byCause.payout,
});

/** The cause of an API request: the one a function saw for its request id, else acquirers' webhooks are the payments', rails' callbacks the payouts'. */
export const requestCause = (entry: { readonly requestId: string; readonly path: string }, requestCauses: ReadonlyMap<string, Cause>): Cause =>
  requestCauses.get(entry.requestId) ?? (entry.path.startsWith('/v1/channel_events/') ? 'payment' : entry.path.startsWith('/v1/rail_events/') ? 'payout' : 'unattributed');
