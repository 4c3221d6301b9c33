import { MAX_BATCH_EVENTS, signWebhook, webhookBatchBody } from '../../local/simulators/card-acquirer/webhooks';
import { sign as signRailCallback } from '../../local/simulators/payout-rails/deliveries';
import type { ReceivedRailCallback } from '../../local/payout-rails';
import type { MerchantCredentials } from '../../local/seed';
import { ACQUIRER_SIGNATURE_HEADER } from '../../lambdas/adapters/channels/acquirer-webhook-signature';
import { KEYSTONE_SIGNATURE_HEADER } from '../../lambdas/adapters/rails/formats/keystone-soap';
import { PULSE_SIGNATURE_HEADER } from '../../lambdas/adapters/rails/pulse-instant-rail';
import { ApiClient, pool, seededRandom, sleep } from '../lib/http';
import { card } from '../lib/mix';
import type { BenchPlatform } from '../lib/platform';
import { BENEFICIARIES } from '../lib/treasury';
import { type DrillResult, TERMINAL, drillResult, ledgerDifferences, listAllPayments, simulatorTotals } from './common';

/**
 * Adversarial webhooks (issue 13): the acquirers' and the rails' notifications, all validly signed, sent
 * again the ways a real network and a careless (or hostile) sender deliver them, after the platform has
 * applied every one of them once.
 *
 * 1. Work: `payments` card payments across currencies and cards (automatic and manual captures, some
 *    partially refunded), and payouts over the two callback rails (Keystone SWIFT, Pulse PIX), all to
 *    their end. The acquirers' `capture.settled` / `refund.succeeded` events and the rails' callbacks
 *    (processing, paid) reach the platform as they normally do.
 * 2. Every one of those notifications is then sent again, re-signed with the sender's secret at the time it
 *    is sent (so the signature and its timestamp are valid, as a replay by the sender would be). An acquirer's
 *    webhook is a list of events (decision 0054): a replayed event goes alone, in a list of one, except in
 *    `batched`:
 *    - **duplicated**: each three times at once;
 *    - **reordered**: all of them shuffled (seeded), four at a time, so a `processing` arrives after `paid`
 *      and a refund's event before the capture's settlement;
 *    - **cloned**: each acquirer event under a new event id with the same content (an acquirer that
 *      re-emits a notification: the platform must deduplicate on the money movement, not the event id);
 *    - **delayed**: all of them again after `delaySeconds`;
 *    - **batched**: the acquirer events shuffled into lists of up to 50, each list sent twice at once, and
 *      validly signed lists with malformed items among real events (each malformed item `rejected`, the real
 *      ones answered as usual) and bodies that are not a list of 1 to 50 events (400).
 * 3. Once the platform is quiet: `double_settlements` must be 0: no balance of the merchant moved, no
 *    payment's received or refunded amount or status changed, no payout's status changed, nothing new at
 *    the acquirers (a notification never triggers a second capture or refund), and the ledger verifier is
 *    clean. Every replay answers 2xx (applied already) or 4xx (refused): never 5xx. A replayed acquirer event
 *    is answered `applied` or `ignored`, never `retry` or `rejected`.
 */
export interface AdversarialWebhooksOptions {
  readonly payments: number;
  readonly delaySeconds: number;
  readonly seed: number;
}

interface Notification {
  readonly kind: string;
  readonly label: string;
  /** Sends it once more, validly signed now, under `eventId` when given (a clone); the HTTP status. */
  send(eventId?: string): Promise<number>;
}

interface AcquirerEvent {
  readonly id: string;
  readonly object: 'event';
  readonly type: string;
  readonly channel: string;
  readonly created_at: string;
  readonly data: { readonly object: unknown };
  readonly delivered_at?: string | null;
}

const PAYOUT_AMOUNT = { USD: 1_500, BRL: 2_500 } as const;

const postSigned = async (url: string, body: string, headers: Record<string, string>, read?: (answer: unknown) => void): Promise<number> => {
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(60_000) });
    const text = await response.text();
    if (read && response.status === 200) {
      try {
        read(JSON.parse(text));
      } catch {
        read(undefined);
      }
    }
    return response.status;
  } catch {
    return 0; // no answer: counted apart from the statuses
  }
};

export const adversarialWebhooksDrill = async (platform: BenchPlatform, options: AdversarialWebhooksOptions): Promise<DrillResult> => {
  const started = Date.now();
  const api = new ApiClient(() => platform.runtime.apiUrl);
  const merchant = platform.runtime.merchants[0] as MerchantCredentials;
  if (!merchant) throw new Error('no demo merchant');
  const run = `${options.seed}-${Date.now().toString(36)}`;
  const random = seededRandom(options.seed);
  const violations: string[] = [];
  let serverErrors = 0;
  const rails = platform.runtime.payoutRails;
  const callbacksBefore = rails.receivedCallbacks().length;

  // ---- 1. The work, to its end ----
  const post = async (label: string, path: string, body: Record<string, unknown>, expected = 201) => {
    const answer = await api.call(`adversarial_${label}`, 'POST', path, { key: merchant.api_key, idempotencyKey: `adv-${run}-${label}-${Math.floor(random() * 1e9)}`, body });
    if (answer.status >= 500) serverErrors += 1;
    if (answer.status !== expected) violations.push(`${label} ${path}: answered ${answer.status} ${answer.text.slice(0, 200)}`);
    return answer;
  };
  const funding = await Promise.all([
    post('fund_usd', '/v1/payments', { amount: 5_000, currency: 'USD', payment_method: card('4242424242424242') }),
    post('fund_brl', '/v1/payments', { amount: 8_000, currency: 'BRL', payment_method: card('4242424242424242') }),
  ]);
  const cards = ['4242424242424242', '5555555555554444', '6011111111111117'];
  const currencies = ['USD', 'EUR', 'GBP', 'BRL'];
  const paymentIds: string[] = [];
  await pool(
    Array.from({ length: options.payments }, (_, index) => index),
    4,
    async (index) => {
      const manual = index % 3 === 1;
      const created = await post('payment', '/v1/payments', {
        amount: 1_000 + Math.floor(random() * 9_000),
        currency: currencies[index % currencies.length],
        payment_method: card(cards[index % cards.length] as string),
        ...(manual ? { capture_method: 'manual' } : {}),
      });
      if (created.status !== 201) return;
      paymentIds.push(created.json.id);
      if (manual) {
        const authorized = await platform.waitForPayment(created.json.id, (payment) => payment.status === 'requires_capture' || TERMINAL.includes(payment.status), 60_000);
        if (authorized?.status === 'requires_capture') await post('capture', `/v1/payments/${created.json.id}/capture`, {}, 200);
      }
      if (index % 2 === 0) {
        const done = await platform.waitForPayment(created.json.id, (payment) => TERMINAL.includes(payment.status), 60_000);
        if (done?.status === 'succeeded') await post('refund', '/v1/refunds', { payment_id: created.json.id, amount: Math.max(1, Math.floor(done.amountReceived / 4)) });
      }
    },
  );
  for (const answer of funding) {
    if (answer.status !== 201 || !(await platform.waitForFunds(answer.json.id, 90_000))) violations.push(`funding payment ${answer.json?.id} did not settle`);
  }
  const payoutIds: string[] = [];
  for (const spec of [BENEFICIARIES.swift_sg, BENEFICIARIES.pix_br]) {
    const beneficiary = await post('beneficiary', '/v1/beneficiaries', { ...spec.body, metadata: { adversarial: run } });
    if (beneficiary.status !== 201) continue;
    const currency = spec.body.currency as keyof typeof PAYOUT_AMOUNT;
    const payout = await post('payout', '/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: PAYOUT_AMOUNT[currency], currency, reference: `ADV ${payoutIds.length + 1}` });
    if (payout.status !== 201) continue;
    payoutIds.push(payout.json.id);
    const ended = await platform.waitForPayout(payout.json.id, 120_000);
    if (ended.timedOut) violations.push(`${payout.json.id}: not terminal within 120 s`);
  }
  if (!(await platform.waitForQuiescence(180_000))) violations.push('the platform did not settle after the work');

  // ---- 2. What was delivered once, and how to send it again ----
  /** Outcomes the platform answered for replayed acquirer events, by outcome. */
  const acquirerOutcomes: Record<string, number> = {};
  const sendAcquirerList = async (channel: { name: string; webhookSecret: string }, events: readonly unknown[], raw?: string): Promise<number> => {
    const body = raw ?? webhookBatchBody(events);
    const status = await postSigned(`${platform.runtime.apiUrl}/v1/channel_events/${channel.name}`, body, {
      'Content-Type': 'application/json',
      [ACQUIRER_SIGNATURE_HEADER]: signWebhook(channel.webhookSecret, body, Math.floor(Date.now() / 1000)),
    }, (answer) => {
      for (const result of (answer as { results?: { outcome: string }[] } | undefined)?.results ?? []) acquirerOutcomes[result.outcome] = (acquirerOutcomes[result.outcome] ?? 0) + 1;
    });
    return status;
  };
  const acquirerLists = new Map<string, AcquirerEvent[]>();
  const acquirerEvents: Notification[] = [];
  for (const channel of platform.runtime.cardChannels) {
    const listed = await platform.simulator<{ data: AcquirerEvent[] }>(channel, 'GET', '/__simulator/events');
    for (const listedEvent of listed.data.filter((event) => event.delivered_at)) {
      const { delivered_at: _delivered, abandoned_at: _abandoned, attempts: _attempts, ...event } = listedEvent as AcquirerEvent & { abandoned_at?: unknown; attempts?: unknown };
      acquirerEvents.push({
        kind: `acquirer ${event.type}`,
        label: `${channel.name} ${event.id}`,
        send: (eventId) => sendAcquirerList(channel, [eventId ? { ...event, id: eventId } : event]),
      });
      acquirerLists.set(channel.name, [...(acquirerLists.get(channel.name) ?? []), event]);
    }
  }
  const railSecrets = {
    keystone: { header: KEYSTONE_SIGNATURE_HEADER, secret: (rails.environment.KEYSTONE_NOTIFICATION_SECRETS ?? '').split(',')[0] ?? '' },
    pulse: { header: PULSE_SIGNATURE_HEADER, secret: (rails.environment.PULSE_WEBHOOK_SECRETS ?? '').split(',')[0] ?? '' },
  };
  const railCallbacks: Notification[] = rails
    .receivedCallbacks()
    .slice(callbacksBefore)
    .filter((callback) => callback.status >= 200 && callback.status < 300)
    .map((callback: ReceivedRailCallback, index) => {
      const { header, secret } = railSecrets[callback.channel];
      const kept = Object.fromEntries(
        Object.entries(callback.headers).filter(([name]) => !['host', 'content-length', 'connection', 'transfer-encoding', header.toLowerCase()].includes(name.toLowerCase())),
      );
      return {
        kind: `rail ${callback.channel}`,
        label: `${callback.channel} callback ${index}`,
        send: () => postSigned(`${rails.callbackUrl}/rails/${callback.channel}`, callback.body, { ...kept, [header]: signRailCallback(secret, callback.body, Math.floor(Date.now() / 1000)) }),
      };
    });
  const notifications = [...acquirerEvents, ...railCallbacks];
  if (acquirerEvents.length === 0) violations.push('no acquirer event was delivered during the work: nothing to replay');
  if (railCallbacks.length === 0) violations.push('no rail callback was received during the work: nothing to replay');

  const snapshot = async () => {
    const payments = (await listAllPayments(api, merchant.api_key)).filter((payment) => paymentIds.includes(payment.id));
    const payouts = await Promise.all(payoutIds.map(async (id) => ({ id, status: (await platform.payout(id))?.status })));
    const totals = await simulatorTotals(platform.runtime.cardChannels);
    const acquirer = { captures: 0, refunds: 0, captured: 0, refunded: 0 };
    for (const entries of totals.values()) {
      for (const entry of entries) {
        acquirer.captures += entry.captures;
        acquirer.refunds += entry.refunds;
        acquirer.captured += entry.captured;
        acquirer.refunded += entry.refunded;
      }
    }
    return {
      balances: await platform.balances(merchant.id),
      payments: new Map(payments.map((payment) => [payment.id, `${payment.status} received ${payment.amount_received} refunded ${payment.amount_refunded}`])),
      payouts: new Map(payouts.map((payout) => [payout.id, payout.status])),
      acquirer,
    };
  };
  const ledgerBefore = await ledgerDifferences(platform.runtime.dynamoDbEndpoint);
  violations.push(...ledgerBefore.map((difference) => `ledger before the replays: ${difference}`));
  const before = await snapshot();

  // ---- 3. The replays ----
  const answers: Record<string, Record<string, number>> = {};
  const count = (phase: string, notification: Notification, status: number) => {
    const byStatus = (answers[phase] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (status >= 500) {
      serverErrors += 1;
      violations.push(`${phase}: ${notification.label} (${notification.kind}) answered ${status}`);
    }
    if (status === 0) violations.push(`${phase}: ${notification.label} (${notification.kind}) got no answer`);
  };
  const phaseSeconds: Record<string, number> = {};
  const phase = async (name: string, work: () => Promise<void>) => {
    const phaseStarted = Date.now();
    await work();
    phaseSeconds[name] = (Date.now() - phaseStarted) / 1000;
  };
  await phase('duplicated', () =>
    pool(notifications, 2, async (notification) => {
      const statuses = await Promise.all([notification.send(), notification.send(), notification.send()]);
      for (const status of statuses) count('duplicated', notification, status);
    }).then(() => undefined),
  );
  const shuffled = [...notifications];
  for (let index = shuffled.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other] as Notification, shuffled[index] as Notification];
  }
  await phase('reordered', () => pool(shuffled, 4, async (notification) => count('reordered', notification, await notification.send())).then(() => undefined));
  await phase('cloned', () =>
    pool(acquirerEvents, 4, async (notification, index) => count('cloned', notification, await notification.send(`evt_clone_${run}_${index}`))).then(() => undefined),
  );
  await phase('delayed', async () => {
    await sleep(options.delaySeconds * 1000);
    await pool(notifications, 4, async (notification) => count('delayed', notification, await notification.send()));
  });
  /** The longest list replayed in `batched` and how long its two concurrent sends took to be answered. */
  const largestList = { events: 0, seconds: 0 };
  await phase('batched', async () => {
    const lists: { channel: { name: string; webhookSecret: string }; events: AcquirerEvent[] }[] = [];
    for (const channel of platform.runtime.cardChannels) {
      const events = [...(acquirerLists.get(channel.name) ?? [])];
      for (let index = events.length - 1; index > 0; index -= 1) {
        const other = Math.floor(random() * (index + 1));
        [events[index], events[other]] = [events[other] as AcquirerEvent, events[index] as AcquirerEvent];
      }
      for (let start = 0; start < events.length; start += MAX_BATCH_EVENTS) lists.push({ channel, events: events.slice(start, start + MAX_BATCH_EVENTS) });
    }
    const label = (what: string) => ({ kind: 'acquirer list', label: what, send: async () => 0 });
    await pool(lists, 2, async ({ channel, events }, index) => {
      const sentAt = Date.now();
      const statuses = await Promise.all([sendAcquirerList(channel, events), sendAcquirerList(channel, events)]);
      const seconds = (Date.now() - sentAt) / 1000;
      if (events.length > largestList.events || (events.length === largestList.events && seconds > largestList.seconds)) Object.assign(largestList, { events: events.length, seconds });
      for (const status of statuses) count('batched', label(`${channel.name} list ${index} of ${events.length}`), status);
    });
    // Validly signed, broken: malformed items among real events are rejected alone; a body that is not a list of
    // 1 to 50 events is refused whole (400). Never 5xx.
    const [channel] = platform.runtime.cardChannels;
    const real = channel ? (acquirerLists.get(channel.name) ?? []).slice(0, 3) : [];
    if (channel && real.length > 0) {
      const rejectedBefore = acquirerOutcomes.rejected ?? 0;
      const malformedItems = [null, 'evt', { id: 'evt_no_type', data: { object: {} } }, { id: 42, type: 'capture.settled', data: { object: {} } }, { id: 'evt_no_object', type: 'capture.settled', data: 'x' }];
      const mixed = await sendAcquirerList(channel, [...malformedItems.slice(0, 2), ...real, ...malformedItems.slice(2)]);
      count('batched', label('malformed items among real events'), mixed);
      if (mixed !== 200) violations.push(`batched: a list with malformed items answered ${mixed}, expected 200`);
      if ((acquirerOutcomes.rejected ?? 0) - rejectedBefore !== malformedItems.length) {
        violations.push(`batched: ${(acquirerOutcomes.rejected ?? 0) - rejectedBefore} items rejected, expected ${malformedItems.length}`);
      }
      // Expected here: only a rejected replay of a real event is a violation.
      if (rejectedBefore > 0) acquirerOutcomes.rejected = rejectedBefore;
      else delete acquirerOutcomes.rejected;
      const tooMany = Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, index) => real[index % real.length]);
      const broken: [string, string][] = [
        ['not JSON', '{"object":"list","data":['],
        ['a single event, not a list', JSON.stringify(real[0])],
        ['an empty list', webhookBatchBody([])],
        [`${MAX_BATCH_EVENTS + 1} events`, webhookBatchBody(tooMany)],
        ['data not an array', '{"object":"list","data":{"0":{}}}'],
      ];
      for (const [what, raw] of broken) {
        const status = await sendAcquirerList(channel, [], raw);
        count('batched', label(what), status);
        if (status !== 400) violations.push(`batched: ${what} answered ${status}, expected 400`);
      }
    }
  });
  for (const outcome of ['retry', 'rejected']) {
    if (acquirerOutcomes[outcome]) violations.push(`${acquirerOutcomes[outcome]} replayed acquirer event(s) answered ${outcome}`);
  }
  if (!(await platform.waitForQuiescence(120_000))) violations.push('the platform did not settle after the replays');

  // ---- 4. Nothing moved ----
  const after = await snapshot();
  let doubleSettlements = 0;
  const balanceKey = (balance: { currency: string }) => balance.currency;
  const beforeBalances = new Map(before.balances.map((balance) => [balanceKey(balance), JSON.stringify(balance)]));
  for (const balance of after.balances) {
    if (beforeBalances.get(balanceKey(balance)) === JSON.stringify(balance)) continue;
    doubleSettlements += 1;
    violations.push(`balance ${balance.currency} moved: ${beforeBalances.get(balanceKey(balance)) ?? 'none'} → ${JSON.stringify(balance)}`);
  }
  for (const [id, was] of before.payments) {
    const now = after.payments.get(id);
    if (now === was) continue;
    doubleSettlements += 1;
    violations.push(`${id}: ${was} → ${now}`);
  }
  for (const [id, was] of before.payouts) {
    if (after.payouts.get(id) !== was) violations.push(`${id}: payout ${was} → ${after.payouts.get(id)}`);
  }
  for (const field of Object.keys(before.acquirer) as (keyof typeof before.acquirer)[]) {
    if (after.acquirer[field] !== before.acquirer[field]) violations.push(`acquirer ${field}: ${before.acquirer[field]} → ${after.acquirer[field]}`);
  }
  const ledger = await ledgerDifferences(platform.runtime.dynamoDbEndpoint);
  violations.push(...ledger.map((difference) => `ledger: ${difference}`));
  const kinds = notifications.reduce<Record<string, number>>((all, notification) => ({ ...all, [notification.kind]: (all[notification.kind] ?? 0) + 1 }), {});
  const sent = Object.values(answers).reduce((sum, byStatus) => sum + Object.values(byStatus).reduce((total, value) => total + value, 0), 0);

  return drillResult('adversarial_webhooks', started, {
    lost: 0,
    duplicated: doubleSettlements,
    server_errors: serverErrors,
    counts: {
      payments: paymentIds.length,
      payouts: payoutIds.length,
      notifications: notifications.length,
      notifications_by_kind: kinds,
      replays_sent: sent,
      answers_by_phase: answers,
      acquirer_event_outcomes: acquirerOutcomes,
      largest_list: largestList,
      double_settlements: doubleSettlements,
      ledger_differences: ledger.length,
      phase_seconds: phaseSeconds,
    },
    violations: [...new Set(violations)],
  });
};
