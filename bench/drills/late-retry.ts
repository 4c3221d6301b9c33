import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { MerchantCredentials } from '../../local/seed';
import { type TableDeclaration, type TableKey, tableKeys, tableName, tables } from '../../platform/tables';
import { type ApiAnswer, ApiClient, seededRandom } from '../lib/http';
import { card } from '../lib/mix';
import type { BenchPlatform } from '../lib/platform';
import { BENEFICIARIES } from '../lib/treasury';
import { type DrillResult, TERMINAL, drillResult, ledgerDifferences, simulatorTotals } from './common';
import { collectRailPayments, railAccessOf } from './payouts';

/**
 * Late retry (issue 13): every POST that moves money, sent again with its old Idempotency-Key and body long
 * after it was answered, when nothing that remembered the first request is left but the objects themselves.
 *
 * 1. A round of work per `rounds`: an automatic payment, a manual one captured, a manual one canceled, a
 *    declined one, a partial refund, an FX quote and its conversion, a beneficiary and a payout to it (ACH),
 *    all funded by one settled card payment. Everything ends (payouts parked in their return window).
 * 2. **+25 hours.** Idempotency records (24 h) and card-hold tombstones (24 h) are past their time: every item
 *    of every table whose TTL attribute falls within 25 hours is deleted, as DynamoDB's TTL would have done
 *    by then (it deletes within days of expiry; the drill takes the worst case, already gone). Every POST is
 *    sent again.
 * 3. **+91 days.** Step Functions has forgotten every closed execution (kept 90 days), so an execution name
 *    may start again; the TTL items within 91 days are gone too (events, 30 days). Every POST again.
 * The clock itself is not moved: what elapsed time changes for these requests is what expired, and that is
 * what the drill removes. (Moving the handlers' clock would also expire FX quotes; a conversion's quote is
 * claimed once, so a retried conversion must answer with its conversion whatever the quote's age: the drill
 * checks that the replay answers with the same object.)
 *
 * After each phase, once the platform is quiet: `new_side_effects` must be 0: no new charge, capture, void or
 * refund at any acquirer; no new submission or payment at any rail; no new CVC hold; no new payment, refund,
 * payout, conversion or beneficiary; no workflow execution started; balances unchanged to the minor unit;
 * the ledger verifier clean. Every replay answers 2xx with the object it first answered, or 4xx; never 5xx.
 * API keys and webhook endpoints are left out: they move no money, and a retry after their key expired is
 * a new request (Stripe's rule, docs/api.md "Idempotency").
 */
export interface LateRetryOptions {
  readonly rounds: number;
  readonly seed: number;
}

interface SentRequest {
  readonly label: string;
  readonly path: string;
  readonly key: string;
  readonly body: Record<string, unknown>;
  readonly status: number;
  readonly objectId?: string;
}

interface SideEffects {
  readonly acquirer: { approved: number; authorized: number; captures: number; refunds: number; released: number };
  readonly railSubmissions: number;
  readonly railPayments: number;
  readonly cardHolds: number;
  readonly objects: Record<string, number>;
  readonly executionsStarted: number;
  readonly balances: string;
}

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;
/** A payout small enough to pass the new-beneficiary hold (payouts/screening.ts), like the payout storm's. */
const PAYOUT_USD = 2_000;
const CONVERSION_USD = 1_500;

/** Delete every item whose TTL attribute is at or before `horizonSeconds` (what TTL would have deleted). */
const expireItems = async (endpoint: string, horizonSeconds: number): Promise<Record<string, number>> => {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const deleted: Record<string, number> = {};
  try {
    for (const key of tableKeys) {
      const declaration = tables[key] as TableDeclaration;
      const attribute = declaration.timeToLiveAttribute;
      if (!attribute) continue;
      const keyNames = [declaration.partitionKey.name, ...(declaration.sortKey ? [declaration.sortKey.name] : [])];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName(key as TableKey),
            FilterExpression: '#ttl <= :horizon',
            ExpressionAttributeNames: { '#ttl': attribute },
            ExpressionAttributeValues: { ':horizon': horizonSeconds },
            ExclusiveStartKey: start,
          }),
        );
        const items = page.Items ?? [];
        for (let index = 0; index < items.length; index += 25) {
          let requests = items.slice(index, index + 25).map((item) => ({ DeleteRequest: { Key: Object.fromEntries(keyNames.map((name) => [name, item[name]])) } }));
          while (requests.length) {
            const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName(key as TableKey)]: requests } }));
            requests = (result.UnprocessedItems?.[tableName(key as TableKey)] ?? []) as typeof requests;
          }
        }
        deleted[key] = (deleted[key] ?? 0) + items.length;
        start = page.LastEvaluatedKey;
      } while (start);
    }
  } finally {
    client.destroy();
  }
  return deleted;
};

const countCardHolds = async (endpoint: string): Promise<number> => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  try {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName('cardHolds'), Select: 'COUNT', ExclusiveStartKey: start }));
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  } finally {
    client.destroy();
  }
};

/** Every object of one list route, counted (pages of 100). */
const countListed = async (api: ApiClient, key: string, path: string): Promise<number> => {
  let count = 0;
  for (let after: string | undefined; ; ) {
    const answer = await api.call('late_retry_list', 'GET', `${path}?limit=100${after ? `&starting_after=${after}` : ''}`, { key });
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    const data = answer.json.data as { id: string }[];
    count += data.length;
    if (!answer.json.has_more || data.length === 0) return count;
    after = data.at(-1)?.id;
  }
};

export const lateRetryDrill = async (platform: BenchPlatform, options: LateRetryOptions): Promise<DrillResult> => {
  const started = Date.now();
  const api = new ApiClient(() => platform.runtime.apiUrl);
  const merchant = platform.runtime.merchants[0] as MerchantCredentials;
  if (!merchant) throw new Error('no demo merchant');
  const run = `${options.seed}-${Date.now().toString(36)}`;
  const random = seededRandom(options.seed);
  const violations: string[] = [];
  const sent: SentRequest[] = [];
  let serverErrors = 0;
  const phaseSeconds: Record<string, number> = {};
  let phaseStarted = Date.now();
  const phaseDone = (name: string) => {
    phaseSeconds[name] = (Date.now() - phaseStarted) / 1000;
    phaseStarted = Date.now();
  };

  const post = async (label: string, path: string, key: string, body: Record<string, unknown>, expected = 201): Promise<ApiAnswer> => {
    const answer = await api.call(`late_retry_${label}`, 'POST', path, { key: merchant.api_key, idempotencyKey: key, body });
    if (answer.status >= 500) serverErrors += 1;
    if (answer.status !== expected) violations.push(`${label} ${path}: answered ${answer.status} ${answer.text.slice(0, 200)}`);
    sent.push({ label, path, key, body, status: answer.status, objectId: answer.json?.id });
    return answer;
  };

  // ---- 1. The work, to its end ----
  const funding = await post('fund', '/v1/payments', `late-${run}-fund`, {
    amount: Math.ceil((options.rounds * (PAYOUT_USD + CONVERSION_USD) * 1.1 + 500) / 0.9),
    currency: 'USD',
    payment_method: card('4242424242424242'),
  });
  if (funding.status !== 201 || !(await platform.waitForFunds(funding.json.id, 90_000))) throw new Error(`late retry: funding payment ${funding.json?.id} did not settle`);
  phaseDone('funding');
  for (let round = 0; round < options.rounds; round += 1) {
    const key = (what: string) => `late-${run}-${round}-${what}`;
    const amount = () => 1_000 + Math.floor(random() * 9_000);
    const automatic = await post('payment', '/v1/payments', key('automatic'), { amount: amount(), currency: 'EUR', payment_method: card('4242424242424242') });
    const manual = await post('payment', '/v1/payments', key('manual'), { amount: amount(), currency: 'USD', capture_method: 'manual', payment_method: card('5555555555554444') });
    const toCancel = await post('payment', '/v1/payments', key('to-cancel'), { amount: amount(), currency: 'GBP', capture_method: 'manual', payment_method: card('4242424242424242') });
    await post('payment', '/v1/payments', key('declined'), { amount: amount(), currency: 'USD', payment_method: card('4000000000000002') });
    if (manual.status === 201) await post('capture', `/v1/payments/${manual.json.id}/capture`, key('capture'), {}, 200);
    if (toCancel.status === 201) await post('cancel', `/v1/payments/${toCancel.json.id}/cancel`, key('cancel'), {}, 200);
    if (automatic.status === 201) {
      const settled = await platform.waitForPayment(automatic.json.id, (payment) => TERMINAL.includes(payment.status), 60_000);
      if (settled?.status === 'succeeded') await post('refund', '/v1/refunds', key('refund'), { payment_id: automatic.json.id, amount: Math.max(1, Math.floor(settled.amountReceived / 3)) });
      else violations.push(`${automatic.json.id}: ended ${settled?.status}, expected succeeded`);
    }
    const quote = await post('quote', '/v1/fx/quotes', key('quote'), { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: CONVERSION_USD, validity: 'MIN_15' });
    if (quote.status === 201) await post('conversion', '/v1/conversions', key('conversion'), { quote_id: quote.json.id });
    const beneficiary = await post('beneficiary', '/v1/beneficiaries', key('beneficiary'), { ...BENEFICIARIES.ach_us.body, metadata: { late_retry: run } });
    if (beneficiary.status === 201) {
      const payout = await post('payout', '/v1/payouts', key('payout'), { beneficiary_id: beneficiary.json.id, amount: PAYOUT_USD, currency: 'USD', reference: `LATE ${round}` });
      if (payout.status === 201) {
        const ended = await platform.waitForPayout(payout.json.id, 120_000);
        if (ended.timedOut) violations.push(`${payout.json.id}: not terminal within 120 s`);
      }
    }
  }
  phaseDone('work');
  if (!(await platform.waitForQuiescence(180_000))) violations.push('the platform did not settle after the work');
  phaseDone('settle');

  const snapshot = async (): Promise<SideEffects> => {
    const totals = await simulatorTotals(platform.runtime.cardChannels);
    const acquirer = { approved: 0, authorized: 0, captures: 0, refunds: 0, released: 0 };
    for (const entries of totals.values()) {
      for (const entry of entries) {
        acquirer.approved += entry.approved;
        acquirer.authorized += entry.authorized;
        acquirer.captures += entry.captures;
        acquirer.refunds += entry.refunds;
        acquirer.released += entry.released;
      }
    }
    const rails = await collectRailPayments(railAccessOf(platform.runtime.payoutRails.summary));
    const railPayments = [...rails.byReference.values()].reduce((sum, count) => sum + count, 0);
    const refused = [...rails.refusedResubmissions.values()].reduce((sum, count) => sum + count, 0);
    const objects: Record<string, number> = {};
    for (const path of ['/v1/payments', '/v1/payouts', '/v1/conversions', '/v1/beneficiaries']) objects[path] = await countListed(api, merchant.api_key, path);
    const counters = await platform.counters();
    return {
      acquirer,
      railSubmissions: railPayments + refused,
      railPayments,
      cardHolds: await countCardHolds(platform.runtime.dynamoDbEndpoint),
      objects,
      executionsStarted: Object.values(counters.stateMachines).reduce((sum, machine) => sum + machine.started, 0),
      balances: JSON.stringify(await platform.balances(merchant.id)),
    };
  };

  /** How many side effects `after` has that `before` had not, named in the violations. */
  const compare = (phase: string, before: SideEffects, after: SideEffects): number => {
    let effects = 0;
    const more = (what: string, was: number, now: number) => {
      if (now === was) return;
      effects += Math.abs(now - was);
      violations.push(`${phase}: ${what} went from ${was} to ${now}`);
    };
    for (const field of Object.keys(before.acquirer) as (keyof SideEffects['acquirer'])[]) more(`acquirer ${field}`, before.acquirer[field], after.acquirer[field]);
    more('rail submissions', before.railSubmissions, after.railSubmissions);
    more('rail payments', before.railPayments, after.railPayments);
    more('card holds', before.cardHolds, after.cardHolds);
    for (const path of Object.keys(before.objects)) more(`objects listed by GET ${path}`, before.objects[path] ?? 0, after.objects[path] ?? 0);
    more('workflow executions started', before.executionsStarted, after.executionsStarted);
    if (before.balances !== after.balances) {
      effects += 1;
      violations.push(`${phase}: balances changed: ${before.balances} → ${after.balances}`);
    }
    return effects;
  };

  /** Every POST again, with its key and body; what each answered. */
  const replay = async (phase: string): Promise<{ answers: Record<string, number>; sameObject: number }> => {
    const answers: Record<string, number> = {};
    let sameObject = 0;
    for (const request of sent) {
      const answer = await api.call(`late_retry_replay_${request.label}`, 'POST', request.path, { key: merchant.api_key, idempotencyKey: request.key, body: request.body });
      answers[answer.status] = (answers[answer.status] ?? 0) + 1;
      if (answer.status >= 500) {
        serverErrors += 1;
        violations.push(`${phase}: ${request.label} ${request.path} answered ${answer.status} ${answer.text.slice(0, 200)}`);
      } else if (answer.status < 300) {
        if (answer.json?.id === request.objectId) sameObject += 1;
        else violations.push(`${phase}: ${request.label} ${request.path} answered ${answer.status} with ${answer.json?.id}, first ${request.objectId}`);
      }
    }
    return { answers, sameObject };
  };

  const endpoint = platform.runtime.dynamoDbEndpoint;
  const ledgerBefore = await ledgerDifferences(endpoint);
  violations.push(...ledgerBefore.map((difference) => `ledger before the retries: ${difference}`));

  // ---- 2. +25 hours ---- (each phase's baseline is taken once what expired is gone)
  const expired25h = await expireItems(endpoint, Math.floor(Date.now() / 1000) + 25 * HOUR_S);
  const before = await snapshot();
  const replay25h = await replay('+25 h');
  if (!(await platform.waitForQuiescence(120_000))) violations.push('+25 h: the platform did not settle after the retries');
  const after25h = await snapshot();
  const effects25h = compare('+25 h', before, after25h);
  phaseDone('after_25_hours');

  // ---- 3. +91 days ----
  const forgotten = await platform.runtime.stepFunctions.forgetClosedExecutions(Date.now());
  const expired91d = await expireItems(endpoint, Math.floor(Date.now() / 1000) + 91 * DAY_S);
  const before91d = await snapshot();
  const replay91d = await replay('+91 days');
  if (!(await platform.waitForQuiescence(120_000))) violations.push('+91 days: the platform did not settle after the retries');
  const after91d = await snapshot();
  const effects91d = compare('+91 days', before91d, after91d);
  phaseDone('after_91_days');
  const ledger = await ledgerDifferences(endpoint);
  violations.push(...ledger.map((difference) => `ledger: ${difference}`));

  const newSideEffects = effects25h + effects91d;
  return drillResult('late_retry', started, {
    lost: 0,
    duplicated: newSideEffects,
    server_errors: serverErrors,
    counts: {
      rounds: options.rounds,
      requests: sent.length,
      requests_by_label: sent.reduce<Record<string, number>>((all, request) => ({ ...all, [request.label]: (all[request.label] ?? 0) + 1 }), {}),
      new_side_effects: newSideEffects,
      after_25_hours: { expired_items: expired25h, answers_by_status: replay25h.answers, same_object: replay25h.sameObject, new_side_effects: effects25h },
      after_91_days: { executions_forgotten: forgotten, expired_items: expired91d, answers_by_status: replay91d.answers, same_object: replay91d.sameObject, new_side_effects: effects91d },
      acquirer: after91d.acquirer,
      rail_payments: after91d.railPayments,
      card_holds: after91d.cardHolds,
      ledger_differences: ledger.length,
      phase_seconds: phaseSeconds,
    },
    violations: [...new Set(violations)],
  });
};
