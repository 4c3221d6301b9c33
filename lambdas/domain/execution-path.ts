/**
 * The path an execution took through its state machine, folded from its Step Functions history events
 * (GetExecutionHistory shape, reduced: ports/workflow-history.ts): each state entered, in order, when it
 * was left, and the errors raised in it (a Task retried after errors lists each; an error caught by a
 * Catch still leaves the state). What the ops console draws over the ASL's graph.
 */
export interface PathStep {
  readonly state: string;
  readonly enteredAt: string;
  readonly exitedAt: string | null;
  readonly errors: readonly string[];
}

export interface PathEvent {
  readonly type: string;
  readonly timestamp: Date;
  readonly stateName?: string;
  readonly error?: string;
}

export interface ExecutionPath {
  readonly steps: readonly PathStep[];
  /** The execution's own failure (ExecutionFailed, TimedOut, Aborted), if any. */
  readonly executionError: string | null;
}

const EXECUTION_ENDINGS = new Set(['ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

export const executionPath = (events: readonly PathEvent[]): ExecutionPath => {
  const steps: { state: string; enteredAt: string; exitedAt: string | null; errors: string[] }[] = [];
  let executionError: string | null = null;
  for (const event of events) {
    const open = steps.findLast((step) => step.exitedAt === null);
    if (event.type.endsWith('StateEntered') && event.stateName) {
      steps.push({ state: event.stateName, enteredAt: event.timestamp.toISOString(), exitedAt: null, errors: [] });
    } else if (event.type.endsWith('StateExited') && event.stateName) {
      const step = steps.findLast((candidate) => candidate.state === event.stateName && candidate.exitedAt === null);
      if (step) step.exitedAt = event.timestamp.toISOString();
    } else if (EXECUTION_ENDINGS.has(event.type)) {
      executionError = event.error ?? event.type.replace('Execution', '').toLowerCase();
      if (open && event.error && !open.errors.includes(event.error)) open.errors.push(event.error);
    } else if (event.error && open) {
      open.errors.push(event.error);
    }
  }
  return { steps, executionError };
};
