import { CardDeclinedError, ChannelTimeoutError, ChannelUnavailableError } from '../../domain/channel-errors';
import type { Payment } from '../../domain/payment';
import { recordAuthorization, recordFailure, recordReroute } from '../../domain/payment-lifecycle';
import { type PaymentAction, type PaymentStepResult, nextPaymentStep } from '../../domain/payment-saga';
import type { CardChannel, ChannelAuthorization, ChannelOperation } from '../../ports/card-channel';
import type { CardHolds } from '../../ports/card-holds';
import type { ChannelHealth } from '../../ports/channel-health';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { changePayment, channelKeys, loadPayment, stepResult } from './change-payment';

type Answer = { readonly authorization: ChannelAuthorization } | { readonly declineCode: string } | { readonly unanswered: true };

const NOT_COMPLETED = {
  code: 'processing_error',
  message: 'The authorization could not be completed in time; nothing was charged.',
} as const;

/** What the channel recorded under the authorization's key, as an answer; undefined when it recorded nothing. */
const answerOf = (operation: ChannelOperation | undefined): Answer | undefined => {
  if (operation?.type === 'authorize' && operation.outcome === 'succeeded') return { authorization: operation.authorization };
  if (operation?.outcome === 'failed' && operation.failure.declineCode) return { declineCode: operation.failure.declineCode };
  return operation === undefined ? undefined : { unanswered: true };
};

/** The channel after the payment's current one in its route, when the payment may fail over. */
export const failoverTarget = (payment: Payment): string | undefined => {
  if (!payment.route?.failover || !payment.channel) return undefined;
  const plan = payment.route.plan;
  const tried = new Set(payment.timeline.flatMap((entry) => (entry.channel ? [entry.channel] : [])));
  return plan.slice(plan.indexOf(payment.channel) + 1).find((channel) => !tried.has(channel));
};

/**
 * Authorize at the routed channel (workflow step "Authorize"). The only step that sees the card number.
 * 1. A payment past this step answers what it needs next (a repeated or resumed run: no second call).
 * 2. The card is still held: reveal it (one read, one decryption per attempt) and authorize with an
 *    idempotency key naming payment and channel; a retry after a timeout reveals the same hold, sends the
 *    same request and gets the original answer from the acquirer, never a second charge. Each answer (or
 *    silence) is counted in the channel's health (sent in batches, not per payment).
 * 3. The channel was unavailable or did not answer, and the payment's route has another channel (and its
 *    merchant allows failover): ask the channel what it recorded under the key. An authorization or a
 *    decline found is the answer (the ambiguity resolved by asking). Nothing recorded (the acquirer's
 *    definite word: it neither applied nor will apply the request) moves the payment to the next channel,
 *    recorded with its reason, and the step answers `authorize` again: the workflow authorizes there with
 *    that channel's own key, the card still held. A lookup that fails leaves the outcome unknown: the error
 *    propagates, the workflow retries at the same channel (never guessed, never a second authorization).
 *    Without another channel, the error propagates as before (Retry, then ReleaseAfterFailure).
 * 4. The hold is gone (expired: a recovery long after the first attempt): never authorize without the CVC;
 *    ask the channel what it recorded under the key instead, and take that answer (nothing recorded: the
 *    payment fails, nothing was charged).
 * 5. The authorization is over: discard the hold for good (PCI DSS 3.3.1 for the CVC; the card number is
 *    not kept either), then record the authorization or the decline. In that order, so no payment is ever
 *    recorded past this step with its card still held: if the record fails, the retry finds no hold and
 *    takes the acquirer's record of the same answer (step 4).
 * 6. An automatic payment's approval is not written (decision record 0047): the step answers it (the
 *    authorization id, amount and expiry: never card data) with `capture` next, and the run carries it to
 *    Capture and PostToLedger, which records authorization, capture and success in one write (or to the
 *    compensation that ends the payment). A run that dies before that write leaves the payment unauthorized
 *    as stored, its hold discarded: the recovery's Authorize takes the acquirer's record under the same key
 *    (step 4). Declines, manual payments and failures are written as before.
 * 7. An automatic payment is a sale (decision record 0053): authorized and captured in full by one request,
 *    when its capture could be booked here (the merchant's ledger writable in this region, as Capture checks:
 *    decision 0024; else it is authorized alone and Capture refuses as before). An authorization the channel
 *    answers captured, sent now or found under the key, is answered with its capture (`$.progress.capture`)
 *    and the workflow posts it next, without a Capture step; one answered uncaptured (the acquirer approved
 *    but did not capture) goes through Capture as without a sale. The key is the same either way, so a
 *    retried or recovered sale is answered from the acquirer's record of the first, never charged twice.
 */
export const authorizePayment = async (
  deps: {
    readonly payments: PaymentRepository;
    readonly holds: Pick<CardHolds, 'reveal' | 'discard'>;
    readonly channels: CardChannelDirectory;
    readonly health: Pick<ChannelHealth, 'record' | 'flush'>;
    /** Throws NotHomeRegionError unless the merchant's ledger may be written in this region now (step 7). */
    readonly assertLedgerWritable: (merchantId: string) => Promise<void>;
    readonly now: () => Date;
    /** Milliseconds for latency (monotonic in production). */
    readonly clock?: () => number;
  },
  input: { readonly paymentId: string; readonly action?: PaymentAction },
): Promise<PaymentStepResult> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (nextPaymentStep(payment) !== 'authorize') return stepResult(payment, input.action);
  if (!payment.channel) throw new Error(`Payment ${payment.id} has no channel to authorize at`);
  const channel = deps.channels.channel(payment.channel);
  const key = channelKeys.authorize(payment);
  const clock = deps.clock ?? (() => performance.now());

  let answer: Answer;
  const card = await deps.holds.reveal(payment.id, payment.merchantId);
  if (card === undefined) {
    answer = answerOf(await channel.findOperation(key)) ?? { unanswered: true };
  } else {
    const sale = payment.captureMethod === 'automatic' && (await ledgerWritable(deps, payment.merchantId));
    const started = clock();
    try {
      answer = {
        authorization: await channel.authorize({
          idempotencyKey: key,
          amount: payment.amount,
          currency: payment.currency,
          card: { number: card.number, expMonth: card.exp_month, expYear: card.exp_year, cvc: card.cvc },
          merchantReference: payment.merchantId,
          paymentReference: payment.id,
          captureMethod: payment.captureMethod,
          ...(sale ? { capture: true } : {}),
        }),
      };
      deps.health.record(channel.channel, { ok: true, latencyMs: clock() - started });
    } catch (error) {
      const unavailable = error instanceof ChannelUnavailableError || error instanceof ChannelTimeoutError;
      deps.health.record(channel.channel, { ok: !unavailable, latencyMs: clock() - started });
      if (error instanceof CardDeclinedError) answer = { declineCode: error.declineCode };
      else if (!unavailable) throw error;
      else {
        const resolved = await resolveOrFailOver(deps, payment, channel, key, error);
        if ('rerouted' in resolved) return stepResult(resolved.rerouted, input.action);
        answer = resolved;
      }
    } finally {
      await deps.health.flush();
    }
  }
  await deps.holds.discard(payment.id, payment.merchantId);
  const now = deps.now();
  if ('authorization' in answer && payment.captureMethod === 'automatic') {
    // Step 6: not written; Capture and PostToLedger take it from the run's state (decision record 0047).
    const { authorizationId, amountAuthorized, expiresAt } = answer.authorization;
    const approval = { channel: payment.channel, authorizationId, amountAuthorized, expiresAt: new Date(expiresAt).toISOString(), at: now.toISOString() };
    return stepResult(payment, input.action, approval, saleCapture(answer.authorization));
  }
  const next = await changePayment(deps.payments, payment, (current) => {
    if (nextPaymentStep(current) !== 'authorize') return undefined;
    if ('authorization' in answer) {
      const { authorizationId, amountAuthorized, expiresAt } = answer.authorization;
      return recordAuthorization(current, { authorizationId, amountAuthorized, expiresAt }, now);
    }
    if ('declineCode' in answer) return recordFailure(current, { code: answer.declineCode, message: `The card was declined (${answer.declineCode}).` }, now);
    return recordFailure(current, NOT_COMPLETED, now);
  });
  return stepResult(next, input.action);
};

/** Step 7: a sale only where its capture could be booked; any other failure of the check propagates (retried). */
const ledgerWritable = async (deps: { readonly assertLedgerWritable: (merchantId: string) => Promise<void> }, merchantId: string): Promise<boolean> => {
  try {
    await deps.assertLedgerWritable(merchantId);
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotHomeRegionError') return false;
    throw error;
  }
};

/** Step 7: the capture of an authorization the channel answered captured in full by its sale; undefined when it is not. */
const saleCapture = (authorization: ChannelAuthorization): { captureId: string; amount: number } | undefined => {
  const [captureId] = authorization.captureIds;
  return captureId !== undefined && authorization.captureIds.length === 1 && authorization.amountCaptured > 0 && authorization.amountRefunded === 0
    ? { captureId, amount: authorization.amountCaptured }
    : undefined;
};

/** Step 3: the channel failed to answer; ask it, and fail over only on its word that nothing was authorized. */
const resolveOrFailOver = async (
  deps: { readonly payments: PaymentRepository; readonly now: () => Date },
  payment: Payment,
  channel: CardChannel,
  key: string,
  error: ChannelUnavailableError | ChannelTimeoutError,
): Promise<Answer | { readonly rerouted: Payment }> => {
  const target = failoverTarget(payment);
  if (!target) throw error;
  let recorded: ChannelOperation | undefined;
  try {
    recorded = await channel.findOperation(key);
  } catch {
    throw error; // The outcome stays unknown: retried at this channel, never moved on a guess.
  }
  const answer = answerOf(recorded);
  if (answer && !('unanswered' in answer)) return answer;
  if (answer) throw error; // Recorded as something other than an answer to this authorization: not ours to move.
  const reason = error instanceof ChannelTimeoutError ? 'channel_timeout' : 'channel_unavailable';
  const rerouted = await changePayment(deps.payments, payment, (current) =>
    nextPaymentStep(current) === 'authorize' && current.channel === payment.channel ? recordReroute(current, target, reason, deps.now()) : undefined,
  );
  return { rerouted };
};
