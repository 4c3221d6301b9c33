import type { Payment } from '../../domain/payment';
import type { JournalTransaction } from '../../domain/ledger/transaction';
import type { TracedExecution } from '../../use-cases/operations/trace-payment-executions';

/**
 * Operator API answers for the console (docs/operations.md): ledger transactions and workflow executions.
 * Amounts are minor units, as everywhere; no card or bank data is in either (the ledger holds none, and
 * the execution path carries state names, times and error names, never inputs, outputs or causes).
 */
export const presentLedgerTransaction = (transaction: JournalTransaction) => ({
  id: transaction.id,
  object: 'ledger_transaction' as const,
  kind: transaction.kind,
  description: transaction.description,
  merchant_id: transaction.merchantId,
  source_id: transaction.sourceId,
  position_id: transaction.positionId,
  reverses: transaction.reverses,
  created_at: transaction.createdAt,
  entries: transaction.entries.map((entry) => ({ account: entry.account, side: entry.side, amount: entry.amount, currency: entry.currency })),
});

export const presentExecution = (execution: TracedExecution) => ({
  object: 'workflow_execution' as const,
  state_machine: execution.stateMachine,
  name: execution.name,
  execution_arn: execution.executionArn,
  status: execution.status,
  start_date: execution.startDate,
  stop_date: execution.stopDate,
  error: execution.error,
  path: execution.path.map((step) => ({ state: step.state, entered_at: step.enteredAt, exited_at: step.exitedAt, errors: step.errors })),
});

/** What risk screening decided of a payment, as operators see it (never the merchant's answer: no tipping off). */
export const presentPaymentRisk = (payment: Payment) =>
  payment.risk
    ? {
        decision: payment.risk.decision,
        score: payment.risk.score,
        reasons: payment.risk.reasons,
        rules: payment.risk.rules ?? null,
        review: payment.risk.review
          ? { decision: payment.risk.review.decision, by: payment.risk.review.by, at: payment.risk.review.at, note: payment.risk.review.note ?? null }
          : null,
      }
    : null;
