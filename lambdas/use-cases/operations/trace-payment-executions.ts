import { ResourceNotFoundError } from '../../domain/errors';
import { type PathStep, executionPath } from '../../domain/execution-path';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { ExecutionSummary, WorkflowHistory } from '../../ports/workflow-history';

/** The state machines a payment's executions run on (named by its id: adapters/step-functions/workflows.ts). */
export const PAYMENT_STATE_MACHINES = ['payment', 'paymentCaptureWindow', 'sagaRecovery'] as const;

/** How many executions of one state machine a trace reads at most, newest first, looking for the payment's. */
export const MAX_EXECUTIONS_SCANNED = 2_000;

/** Clocks of the writer of the payment and of Step Functions may differ a little. */
const CLOCK_SKEW_MS = 60_000;

export interface TracedExecution {
  readonly stateMachine: string;
  readonly name: string;
  readonly executionArn: string;
  readonly status: string;
  readonly startDate: string;
  readonly stopDate: string | null;
  readonly path: readonly PathStep[];
  readonly error: string | null;
}

/** An execution with the path it took and the error it ended with, from its history (never its input or output). */
export const traceExecution = async (history: Pick<WorkflowHistory, 'history'>, stateMachine: string, execution: ExecutionSummary): Promise<TracedExecution> => {
  const path = executionPath(await history.history(execution.executionArn));
  return {
    stateMachine,
    name: execution.name,
    executionArn: execution.executionArn,
    status: execution.status,
    startDate: execution.startDate.toISOString(),
    stopDate: execution.stopDate?.toISOString() ?? null,
    path: path.steps,
    error: path.executionError,
  };
};

export interface PaymentTrace {
  readonly executions: readonly TracedExecution[];
  /** State machines whose executions could not be listed (Express in AWS), with why. */
  readonly unavailable: readonly { readonly stateMachine: string; readonly reason: string }[];
  /** Whether some state machine had more executions since the payment than were read. */
  readonly truncated: boolean;
}

/**
 * Operators: a payment's workflow executions and the path each took.
 * 1. Load the payment (ResourceNotFoundError when unknown): its creation bounds the search.
 * 2. On each of its state machines, list the executions named by its id started since it was created.
 * 3. Read each one's history and fold it into its path (domain/execution-path.ts). Oldest first.
 */
export const tracePaymentExecutions = async (
  deps: { readonly payments: PaymentRepository; readonly history: WorkflowHistory },
  query: { readonly paymentId: string },
): Promise<PaymentTrace> => {
  const payment = await deps.payments.get(query.paymentId);
  if (!payment) throw new ResourceNotFoundError('payment', query.paymentId);
  const since = new Date(Date.parse(payment.createdAt) - CLOCK_SKEW_MS);
  const listings = await Promise.all(
    PAYMENT_STATE_MACHINES.map(async (stateMachine) => ({ stateMachine, listing: await deps.history.listExecutionsOf(stateMachine, payment.id, since, MAX_EXECUTIONS_SCANNED) })),
  );
  const unavailable = listings.flatMap(({ stateMachine, listing }) => (listing.available ? [] : [{ stateMachine, reason: listing.reason }]));
  const found = listings.flatMap(({ stateMachine, listing }) => (listing.available ? listing.executions.map((execution) => ({ stateMachine, execution })) : []));
  const executions = await Promise.all(found.map(({ stateMachine, execution }) => traceExecution(deps.history, stateMachine, execution)));
  executions.sort((a, b) => a.startDate.localeCompare(b.startDate));
  return { executions, unavailable, truncated: listings.some(({ listing }) => listing.available && listing.truncated) };
};
