import { formatAmount } from '../../domain/reconciliation/settlement-report';

/**
 * Plain sentences about the operator API's answers, for the MCP tools (docs/decisions/0030-mcp-server.md).
 * They read the same JSON the ops console reads (lambdas/shared/http/*presenters.ts), which never holds card
 * or bank data beyond a card's brand and last 4 digits; nothing here adds any.
 */
type Json = Record<string, any>;

const money = (amount: unknown, currency: unknown): string =>
  typeof amount === 'number' && typeof currency === 'string' ? `${formatAmount(amount, currency.toUpperCase())} ${String(currency).toUpperCase()}` : String(amount);

const list = (items: readonly string[]): string => (items.length ? items.join('; ') : 'none');

/** One event of a payment's timeline in words (its type and data, GET /v1/payments/{id}/events). */
export const describePaymentEvent = (event: Json): string => {
  const data = (event.data ?? {}) as Json;
  const at = event.created_at as string;
  switch (event.type) {
    case 'payment.created':
      return `${at}: the merchant created the payment.`;
    case 'payment.screened':
      return `${at}: risk screening approved it and routing chose channel ${data.channel}${data.reason ? ` (${data.reason})` : ''}.`;
    case 'payment.rerouted':
      return `${at}: the channel it was routed to did not authorize it, so it moved to channel ${data.channel}${data.reason ? ` (after: ${data.reason})` : ''}.`;
    case 'payment.authorized':
    case 'payment.requires_capture':
      return `${at}: the channel authorized it (${event.type}).`;
    case 'payment.capture_requested':
      return `${at}: a capture was requested.`;
    case 'payment.succeeded':
      return `${at}: the payment succeeded (captured).`;
    case 'payment.failed':
      return `${at}: the payment failed${data.code ? ` (${data.code}${data.code === 'risk_declined' ? ': risk screening declined it before any channel saw it' : ''})` : ''}.`;
    case 'payment.cancel_requested':
      return `${at}: a cancellation was requested.`;
    case 'payment.canceled':
      return `${at}: the payment was canceled.`;
    case 'payment.requires_attention':
      return `${at}: the payment was flagged for an operator: a step failed in a way the platform does not guess about.`;
    default: {
      const details = Object.entries(data)
        .filter(([, value]) => value === null || ['string', 'number', 'boolean'].includes(typeof value))
        .map(([key, value]) => `${key} ${value}`);
      return `${at}: ${event.type}${details.length ? ` (${details.join(', ')})` : ''}.`;
    }
  }
};

/** One workflow execution and the path it took through its state machine. */
export const describeExecution = (execution: Json): string => {
  const path = ((execution.path ?? []) as Json[]).map((step) => `${step.state}${(step.errors as string[] | undefined)?.length ? ` [${(step.errors as string[]).join(', ')}]` : ''}`);
  return (
    `Workflow ${execution.state_machine} (execution ${execution.name}) ${String(execution.status).toLowerCase()}, started ${execution.start_date}` +
    `${execution.stop_date ? `, stopped ${execution.stop_date}` : ''}${execution.error ? `, error ${execution.error}` : ''}; path: ${path.join(' → ') || 'not recorded'}.`
  );
};

/** One journal transaction and its entries (debits and credits per account). */
export const describeLedgerTransaction = (transaction: Json): string => {
  const entries = ((transaction.entries ?? []) as Json[]).map((entry) => `${entry.side} ${entry.account} ${money(entry.amount, entry.currency)}`);
  return `${transaction.created_at}: ${transaction.kind} ${transaction.id}${transaction.reverses ? ` (reverses ${transaction.reverses})` : ''}: ${transaction.description}; ${list(entries)}.`;
};

export interface PaymentStory {
  readonly payment: Json;
  readonly events: readonly Json[];
  readonly executions: readonly Json[];
  readonly unavailable: readonly string[];
  readonly ledgerTransactions: readonly Json[];
}

/** A payment in plain terms: what it is now, how it got there, which workflows ran it, what the ledger holds. */
export const explainPayment = (story: PaymentStory): string => {
  const { payment } = story;
  const method = payment.payment_method as Json | undefined;
  const lines = [
    `Payment ${payment.id} of merchant ${payment.merchant_id}: ${money(payment.amount, payment.currency)}, status ${payment.status}` +
      `${method ? `, paid with a ${method.brand} card ending ${method.last4}` : ''}, created ${payment.created_at}.`,
    `Received ${money(payment.amount_received, payment.currency)}, refunded ${money(payment.amount_refunded, payment.currency)}, still capturable ${money(payment.amount_capturable, payment.currency)} (capture ${payment.capture_method}).`,
  ];
  if (payment.failure_code) lines.push(`Failure: ${payment.failure_code}${payment.failure_message ? `: ${payment.failure_message}` : ''}.`);
  if (payment.cancellation_reason) lines.push(`Canceled because: ${payment.cancellation_reason}.`);
  lines.push('', 'Timeline (routing and risk decisions included):', ...story.events.map((event) => `- ${describePaymentEvent(event)}`));
  lines.push('', 'Workflow executions:', ...(story.executions.length ? story.executions.map((execution) => `- ${describeExecution(execution)}`) : ['- none listed']));
  if (story.unavailable.length) lines.push(`- (Step Functions does not list executions of ${story.unavailable.join(', ')}: Express workflows, decision 0022.)`);
  lines.push(
    '',
    'Ledger:',
    ...(story.ledgerTransactions.length ? story.ledgerTransactions.map((transaction) => `- ${describeLedgerTransaction(transaction)}`) : ['- nothing posted for this payment yet']),
  );
  return lines.join('\n');
};

/** The review record of a payout: why it was held, what screening matched (the evidence), who decided. */
export const describeReview = (review: Json | null | undefined): string[] => {
  if (!review) return ['Review: none (it was never held for review).'];
  const hits = ((review.hits ?? []) as Json[]).map(
    (hit) =>
      `sanctions list entry ${hit.entryId}, listed name "${hit.matchedName}", match score ${hit.score}, programs ${list(hit.programs ?? [])}` +
      `${hit.countryMatch === undefined ? '' : hit.countryMatch ? ', country matches' : ', country differs'}`,
  );
  return [
    `Held for review because: ${list(review.reasons ?? [])}.`,
    ...(hits.length
      ? [`Screening matches (evidence)${review.listVersion ? `, list ${review.listVersion}` : ''}${review.screenedAt ? `, screened ${review.screenedAt}` : ''}:`, ...hits.map((hit) => `- ${hit}`)]
      : ['Screening matched no sanctions list entry.']),
    review.decision
      ? `Decision: ${review.decision} by ${review.decidedBy} at ${review.decidedAt}${review.note ? `, note: ${review.note}` : ''}.`
      : 'Decision: waiting for an operator (review_payout).',
  ];
};

/** A payout in plain terms: amount, rail, where it stands, and its review record. */
export const explainPayout = (payout: Json): string => {
  const lines = [
    `Payout ${payout.id} of merchant ${payout.merchant_id}: ${money(payout.amount, payout.currency)}` +
      `${payout.source_currency && payout.source_currency !== payout.currency ? ` (from ${money(payout.source_amount, payout.source_currency)}, quote ${payout.quote_id})` : ''}` +
      ` to beneficiary ${payout.beneficiary_id} over ${payout.rail}, status ${payout.status}, created ${payout.created_at}.`,
  ];
  const milestones = [
    ['submitted to the rail', payout.submitted_at],
    ['paid', payout.paid_at],
    ['returned', payout.returned_at],
    ['canceled', payout.canceled_at],
  ].filter(([, at]) => at);
  if (milestones.length) lines.push(`Milestones: ${milestones.map(([what, at]) => `${what} ${at}`).join(', ')}.`);
  if (payout.failure_code) lines.push(`Failure: ${payout.failure_code}${payout.failure_message ? `: ${payout.failure_message}` : ''}.`);
  if (payout.reference) lines.push(`Reference: ${payout.reference}.`);
  lines.push(...describeReview(payout.review));
  return lines.join('\n');
};

/** One open reconciliation break in a sentence. */
export const describeBreak = (found: Json): string =>
  `${found.id}: ${found.kind} (${found.status}) on channel ${found.channel}, batch ${found.batch_id}` +
  `${found.reference ? `, reference ${found.reference}` : ''}${found.merchant_id ? `, merchant ${found.merchant_id}` : ''}` +
  `${found.currency ? `, expected ${money(found.expected_amount, found.currency)}, reported ${money(found.reported_amount, found.currency)}` : ''}` +
  `${found.detail ? `: ${found.detail}` : ''}; detected ${found.detected_at}.`;

/** A failed, timed-out or aborted Standard execution in a line: where it stopped and with what error, never its input. */
export const describeFailedExecution = (execution: Json): string => {
  const last = (execution.path as Json[] | undefined)?.at(-1);
  return (
    `${execution.state_machine} ${execution.name}: ${execution.status}${last ? ` at ${last.state}` : ''}${execution.error ? ` (${execution.error})` : ''}` +
    `, stopped ${execution.stop_date}, redrivable until ${execution.redrivable_until}.`
  );
};

/** One payout in a line (lists). */
export const describePayoutLine = (payout: Json): string =>
  `${payout.id}: ${money(payout.amount, payout.currency)} of merchant ${payout.merchant_id ?? '?'}, ${payout.status}, ${payout.rail}, created ${payout.created_at}` +
  `${payout.review?.reasons?.length ? `, held for ${payout.review.reasons.join(', ')}` : ''}.`;

/** One payment in a line (lists). */
export const describePaymentLine = (payment: Json): string =>
  `${payment.id}: ${money(payment.amount, payment.currency)}, ${payment.status}, created ${payment.created_at}${payment.failure_code ? `, ${payment.failure_code}` : ''}.`;

/** How long ago, in words an operator reads at a glance (minutes, hours, days). */
const agoFrom = (since: string, now: Date): string => {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(since)) / 60_000));
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours ago` : `${Math.round(hours / 24)} days ago`;
};

const runbookOf = (alarm: Json): string => (alarm.runbook ? `${alarm.runbook.document}, section "${alarm.runbook.section}"` : 'no runbook section declared');

/**
 * The operator API's alarm report (GET /v1/alarms) in plain terms: how many are in each state, then each firing
 * alarm with since when, what it means, CloudWatch's reason and the runbook section to follow; then, briefly, the
 * alarms without data and why (locally: those only AWS evaluates).
 */
export const summarizeAlarms = (report: Json, now = new Date()): string => {
  const alarms = report.data as Json[];
  const firing = alarms.filter((alarm) => alarm.state === 'ALARM');
  const unknown = alarms.filter((alarm) => alarm.state === 'INSUFFICIENT_DATA');
  const counts = `${report.counts.alarm} firing, ${report.counts.insufficient_data} without data, ${report.counts.ok} OK (${alarms.length} alarms in all).`;
  const lines = [firing.length ? `${firing.length} alarm${firing.length === 1 ? ' is' : 's are'} firing. ${counts}` : `Nothing is firing. ${counts}`];
  for (const alarm of firing) {
    lines.push(
      '',
      `FIRING ${alarm.name} (${alarm.kind}) since ${alarm.since} (${agoFrom(alarm.since, now)}).`,
      `What it means: ${alarm.description}`,
      `Why: ${alarm.reason}`,
      `What to do: follow ${runbookOf(alarm)}.`,
    );
  }
  if (unknown.length) {
    lines.push('', `Without data (${unknown.length}): not evaluated, or nothing measured yet:`);
    for (const alarm of unknown.slice(0, 20)) lines.push(`- ${alarm.name}: ${alarm.reason}`);
    if (unknown.length > 20) lines.push(`- and ${unknown.length - 20} more.`);
  }
  return lines.join('\n');
};
