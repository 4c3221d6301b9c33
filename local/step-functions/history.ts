import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { RunOptions, StateMachine } from 'aws-local-stepfunctions';
import type { StateInfo } from './definition';
import { parseReferencePath, readPath } from './reference-path';
import type { ExecutionStore } from './store';

/**
 * One execution's history, in GetExecutionHistory shape: events numbered from 1 in the order they
 * happened, each persisted as soon as it is recorded.
 *
 * Two sources feed it. The interpreter's event log gives state entries and exits, Catch, Map
 * iterations; the engine's Task handlers add what the interpreter cannot see (TaskScheduled,
 * TaskStarted, TaskSubmitted, TaskSucceeded/Failed/TimedOut, or the LambdaFunction* events of a
 * Task whose Resource is a function ARN). The log is read through an async iterator; `record` and
 * `fromInterpreter` are synchronous so that a Task handler, after yielding once to the event loop,
 * finds its state's entry already recorded (see task-states.ts).
 *
 * `previousEventId` is the event recorded just before (AWS links events of one Parallel branch or
 * Map iteration to their own predecessor; locally branches interleave in one sequence).
 */
export type InterpreterEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

export interface RecordedEvent {
  readonly id: number;
  readonly previousEventId: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly type: HistoryEventType;
  readonly [details: string]: unknown;
}

export const dataDetails = { truncated: false } as const;

export const json = (value: unknown): string => JSON.stringify(value ?? null);

/** A stored event as the SDK types it (timestamp as a Date). */
export const toHistoryEvent = (stored: string, includeExecutionData: boolean): HistoryEvent => {
  const event = JSON.parse(stored) as RecordedEvent & Record<string, Record<string, unknown> | undefined>;
  const result: Record<string, unknown> = { ...event, timestamp: new Date(event.timestamp) };
  if (!includeExecutionData) {
    for (const [key, value] of Object.entries(event)) {
      if (!key.endsWith('EventDetails') || value === null || typeof value !== 'object') continue;
      const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
      result[key] = rest;
    }
  }
  return result as unknown as HistoryEvent;
};

export type Overrides = NonNullable<RunOptions['overrides']>;

export class ExecutionHistory {
  private lastId: number;
  private lastTimestamp = 0;
  private sealed = false;
  private readonly writes = new Set<Promise<void>>();
  private readonly mapsStarted = new Set<string>();

  constructor(
    private readonly store: ExecutionStore,
    private readonly executionArn: string,
    lastPersistedId: number,
    private readonly states: ReadonlyMap<string, StateInfo>,
    private readonly onTransition: () => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.lastId = lastPersistedId;
  }

  get eventCount(): number {
    return this.lastId;
  }

  /** Append one event; ignored once the history is sealed (its engine stopped or it closed). */
  record(type: HistoryEventType, details?: Record<string, unknown>, timestamp = Date.now()): void {
    if (this.sealed) return;
    this.lastTimestamp = Math.max(this.lastTimestamp, timestamp);
    const id = this.lastId + 1;
    const event: RecordedEvent = {
      timestamp: this.lastTimestamp,
      type,
      id,
      previousEventId: this.lastId,
      ...(details ? { [detailsKey(type)]: details } : {}),
    };
    this.lastId = id;
    const write = this.store.putEvent(this.executionArn, { id, json: JSON.stringify(event) });
    this.writes.add(write);
    write.catch(this.onError).finally(() => this.writes.delete(write));
  }

  /** Nothing more is recorded; resolves when what was recorded is written. */
  seal(): Promise<void> {
    this.sealed = true;
    return this.flushed();
  }

  async flushed(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  fromInterpreter(event: InterpreterEvent): void {
    switch (event.type) {
      case 'StateEntered': {
        const type = this.typeOf(event.state.name, event.state.type);
        this.record(`${type}StateEntered` as HistoryEventType, { name: event.state.name, input: json(event.state.input), inputDetails: dataDetails }, event.timestamp);
        this.onTransition();
        if (type === 'Parallel') this.record('ParallelStateStarted', undefined, event.timestamp);
        if (type === 'Map') this.mapsStarted.delete(event.state.name);
        return;
      }
      case 'StateExited': {
        const type = this.typeOf(event.state.name, event.state.type);
        if (type === 'Parallel') this.record('ParallelStateSucceeded', undefined, event.timestamp);
        if (type === 'Map') {
          this.startMap(event.state.name, event.state.input, event.timestamp);
          this.record('MapStateSucceeded', undefined, event.timestamp);
        }
        this.record(`${type}StateExited` as HistoryEventType, { name: event.state.name, output: json(event.state.output), outputDetails: dataDetails }, event.timestamp);
        return;
      }
      case 'StateFailed': {
        const type = this.typeOf(event.state.name, event.state.type);
        if (type === 'Parallel') this.record('ParallelStateFailed', undefined, event.timestamp);
        if (type === 'Map') this.record('MapStateFailed', undefined, event.timestamp);
        return;
      }
      case 'StateRetried':
        // Parallel and Map retries (Task retries are the engine's own and counted there).
        this.onTransition();
        return;
      case 'StateCaught':
        // The interpreter then exits the state with the Catch output, as AWS records it.
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.startMap(event.parentState.name, event.parentState.input, event.timestamp);
        this.record(event.type, { name: event.parentState.name, index: event.index }, event.timestamp);
        return;
      default:
        // Execution* events are recorded by the engine (it knows the stop request, the redrive);
        // AWS has no per-branch Parallel events.
        return;
    }
  }

  private typeOf(name: string, interpreterType: string): string {
    return this.states.get(name)?.type ?? interpreterType;
  }

  /** MapStateStarted (with the item count) once per Map run, before its first iteration. */
  private startMap(name: string, rawInput: unknown, timestamp: number): void {
    if (this.mapsStarted.has(name)) return;
    this.mapsStarted.add(name);
    const state = this.states.get(name)?.definition ?? {};
    const inputPath = state.InputPath;
    const inputSegments = inputPath === undefined ? [] : typeof inputPath === 'string' ? parseReferencePath(inputPath) : undefined;
    const itemsSegments = parseReferencePath(typeof state.ItemsPath === 'string' ? state.ItemsPath : '$');
    const items = inputSegments && itemsSegments ? readPath(readPath(rawInput, inputSegments), itemsSegments) : undefined;
    this.record('MapStateStarted', Array.isArray(items) ? { length: items.length } : {}, timestamp);
  }
}

const DETAILS_KEYS: Partial<Record<HistoryEventType, string>> = {
  ExecutionStarted: 'executionStartedEventDetails',
  ExecutionSucceeded: 'executionSucceededEventDetails',
  ExecutionFailed: 'executionFailedEventDetails',
  ExecutionAborted: 'executionAbortedEventDetails',
  ExecutionTimedOut: 'executionTimedOutEventDetails',
  ExecutionRedriven: 'executionRedrivenEventDetails',
  TaskScheduled: 'taskScheduledEventDetails',
  TaskStarted: 'taskStartedEventDetails',
  TaskSubmitted: 'taskSubmittedEventDetails',
  TaskSucceeded: 'taskSucceededEventDetails',
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  LambdaFunctionScheduled: 'lambdaFunctionScheduledEventDetails',
  LambdaFunctionSucceeded: 'lambdaFunctionSucceededEventDetails',
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  MapStateStarted: 'mapStateStartedEventDetails',
  MapIterationStarted: 'mapIterationStartedEventDetails',
  MapIterationSucceeded: 'mapIterationSucceededEventDetails',
  MapIterationFailed: 'mapIterationFailedEventDetails',
};

const detailsKey = (type: HistoryEventType): string => {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  const key = DETAILS_KEYS[type];
  if (!key) throw new Error(`No details for history event type ${type}`);
  return key;
};
