import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordOf } from '../../lambdas/adapters/dynamodb/channel-health-store';
import { DEFAULT_HEALTH_POLICY, breakerState } from '../../lambdas/domain/channel-health';
import { DEFAULT_MERCHANT_ROUTING } from '../../lambdas/domain/merchant';
import { deployment } from '../../platform/deployment';
import { tableName } from '../../platform/tables';
import { ApiClient, seededRandom, sleep } from '../lib/http';
import { card, playerCardNumber } from '../lib/mix';
import type { BenchPlatform } from '../lib/platform';
import { type DrillResult, TERMINAL, drillResult, listAllPayments, operatorFetch, simulatorTotals } from './common';

/**
 * Acquirer outage (docs/decisions/0017-routing-health-and-failover.md): the same traffic from two
 * merchants, one with failover (the default) and one without (the baseline), sent in pairs (same currency,
 * amount and kind of card) through one platform, while atlas, the cheaper channel for the small EUR, GBP and
 * BRL amounts sent, answers errors or goes silent for a stretch of the run. Both merchants share the
 * channels' health and circuit breaker, as all traffic does: the baseline loses what reaches atlas before
 * its breaker opens and while it probes; failover also rescues those, by asking atlas first.
 *
 * Reports the authorization rate of each merchant (an authorization approved, whatever came after), the
 * double authorizations counted from the simulators' own records (a payment approved at more than one
 * channel, or twice at one), and the breaker's timings from the shared health record, polled.
 * Passes when the failover merchant's rate is at least 0.98, nothing was authorized twice, no request got
 * a 5xx, every payment ended, and the breaker opened during the outage and closed after it.
 */
export interface AcquirerOutageOptions {
  /**
   * Seconds of healthy traffic; of outage (at least, and until the breaker opens, at most twice as long); and
   * at most of recovery (until the breaker closes).
   */
  readonly healthySeconds: number;
  readonly outageSeconds: number;
  readonly recoverySeconds: number;
  /** Pairs of payments in flight at once (closed loop). */
  readonly pairsInFlight: number;
  /** During the outage: share of atlas's requests answered 503, and share recorded then held silent. */
  readonly errorRate: number;
  readonly timeoutRate: number;
  /**
   * After the outage, with every channel healthy again: payments from a merchant of its own that routes by
   * `success_rate`, to measure the share routing explores (issue 17 item 3; 0 skips the phase).
   */
  readonly explorationPayments: number;
  readonly seed: number;
}

const OUTAGE_CHANNEL = 'atlas';
/** Small amounts: atlas (2.90% + a small fixed fee) is cheaper than boreal, so it is every payment's first channel. */
const TRAFFIC = [
  { currency: 'EUR', min: 300, max: 900 },
  { currency: 'GBP', min: 300, max: 800 },
  { currency: 'BRL', min: 1_000, max: 2_500 },
] as const;

export const acquirerOutageDrill = async (platform: BenchPlatform, options: AcquirerOutageOptions): Promise<DrillResult> => {
  const started = Date.now();
  const api = new ApiClient(() => platform.runtime.apiUrl);
  const [withFailover, baseline] = platform.runtime.merchants;
  if (!withFailover || !baseline) throw new Error('the acquirer outage drill needs the two demo merchants');
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: platform.runtime.dynamoDbEndpoint, region: deployment.primaryRegion, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const channel = platform.runtime.cardChannels.find((candidate) => candidate.name === OUTAGE_CHANNEL);
  if (!channel) throw new Error(`no ${OUTAGE_CHANNEL} channel`);
  const faults = (errorRate: number, timeoutRate: number) =>
    platform.simulator(channel, 'POST', '/__simulator/faults', { error_rate: errorRate, timeout_rate: timeoutRate, seed: options.seed });
  // The baseline merchant's routing settings: failover off (read by routing within 30 s: set before its first payment).
  const setFailover = (failover: boolean | undefined) =>
    db.send(
      new UpdateCommand({
        TableName: tableName('merchants'),
        Key: { pk: `merchant#${baseline.id}`, sk: 'profile' },
        ...(failover === undefined ? { UpdateExpression: 'REMOVE routing' } : { UpdateExpression: 'SET routing = :routing', ExpressionAttributeValues: { ':routing': { failover } } }),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  await setFailover(false);

  // The breaker, polled from the shared health record.
  const breakerLog: { at: number; state: string }[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const item = (await db.send(new GetCommand({ TableName: tableName('channelHealth'), Key: { pk: `channel#${OUTAGE_CHANNEL}` }, ConsistentRead: true }))).Item;
      const state = breakerState(recordOf(OUTAGE_CHANNEL, item), Date.now(), DEFAULT_HEALTH_POLICY);
      if (breakerLog.at(-1)?.state !== state) breakerLog.push({ at: Date.now(), state });
      await sleep(200);
    }
  })();

  const run = `${options.seed}-${Date.now().toString(36)}`;
  const next = seededRandom(options.seed);
  const sent: { merchant: 'failover' | 'baseline'; id?: string; status: number; text: string; phase: string }[] = [];
  const send = async (merchant: 'failover' | 'baseline', key: string, body: Record<string, unknown>, phase: string) => {
    const answer = await api.call(`outage_${merchant}`, 'POST', '/v1/payments', {
      key: merchant === 'failover' ? withFailover.api_key : baseline.api_key,
      idempotencyKey: key,
      body,
    });
    sent.push({ merchant, id: answer.json?.id, status: answer.status, text: answer.text.slice(0, 160), phase });
  };

  // Closed loop: `pairsInFlight` senders, each sending a pair (the same payment for each merchant, at
  // once) and the next when both have answered, so the platform is never asked more than it can do and
  // the phases are the same for both merchants.
  let phase = 'before';
  let sending = true;
  let sequence = 0;
  const senders = Array.from({ length: options.pairsInFlight }, async () => {
    while (sending) {
      const traffic = TRAFFIC[sequence % TRAFFIC.length] as (typeof TRAFFIC)[number];
      const amount = traffic.min + Math.floor(next() * (traffic.max - traffic.min));
      sequence += 1;
      const pair = sequence;
      const sentIn = phase;
      await Promise.all(
        (['failover', 'baseline'] as const).map((merchant) =>
          send(merchant, `outage-${run}-${pair}-${merchant}`, { amount, currency: traffic.currency, payment_method: card(playerCardNumber(900_000 + pair * 2 + (merchant === 'failover' ? 0 : 1))), metadata: { drill: `outage-${run}`, phase: sentIn } }, sentIn),
        ),
      );
    }
  });

  await sleep(options.healthySeconds * 1000);
  await faults(options.errorRate, options.timeoutRate);
  const outageStartedAt = Date.now();
  phase = 'outage';
  // At least `outageSeconds`, and until the breaker has opened (a slow machine sends fewer payments, so the
  // breaker sees its minimum volume later), at most twice as long.
  const outageEnd = outageStartedAt + options.outageSeconds * 1000;
  while (Date.now() < outageEnd || (breakerLog.every((entry) => entry.state === 'closed' || entry.at < outageStartedAt) && Date.now() < outageEnd + options.outageSeconds * 1000)) await sleep(200);
  const injected = await faults(0, 0);
  const outageEndedAt = Date.now();
  phase = 'after';
  const recoveryEnd = Date.now() + options.recoverySeconds * 1000;
  while (Date.now() < recoveryEnd && !(breakerLog.at(-1)?.state === 'closed' && (breakerLog.at(-1)?.at ?? 0) > outageEndedAt)) await sleep(200);
  sending = false;
  await Promise.all(senders);
  const settled = await platform.waitForQuiescence(60_000);
  polling = false;
  await poller;
  await setFailover(undefined);

  const violations: string[] = [];
  const serverErrors = sent.filter((entry) => entry.status >= 500).length;
  for (const entry of sent) if (entry.status !== 201) violations.push(`${entry.merchant} payment answered ${entry.status}: ${entry.text}`);
  if (!settled) violations.push('the platform did not settle within 60 s of the outage');
  const totals = await simulatorTotals(platform.runtime.cardChannels);
  let lost = 0;
  let doubleAuthorizations = 0;
  const rates = { failover: { sent: 0, authorized: 0, outageSent: 0, outageAuthorized: 0, rerouted: 0 }, baseline: { sent: 0, authorized: 0, outageSent: 0, outageAuthorized: 0, rerouted: 0 } };
  const statuses: Record<string, Record<string, number>> = { failover: {}, baseline: {} };
  // Every payment the drill created, found through each merchant's list (an answer lost in a 5xx still made one).
  const created = [
    ...(await listAllPayments(api, withFailover.api_key)).map((payment) => ({ merchant: 'failover' as const, payment })),
    ...(await listAllPayments(api, baseline.api_key)).map((payment) => ({ merchant: 'baseline' as const, payment })),
  ].filter(({ payment }) => payment.metadata.drill === `outage-${run}`);
  const answered = sent.filter((entry) => entry.status === 201).length;
  if (created.length < answered) violations.push(`${answered - created.length} payment(s) answered 201 missing from the merchants' lists`);
  for (const { merchant, payment: listed } of created) {
    const payment = await platform.payment(listed.id);
    const status = payment?.status ?? 'missing';
    const merchantStatuses = statuses[merchant] as Record<string, number>;
    merchantStatuses[status] = (merchantStatuses[status] ?? 0) + 1;
    if (!payment || !TERMINAL.includes(payment.status)) {
      lost += 1;
      violations.push(`${listed.id}: ${status} after the outage (timeline: ${(payment?.timeline ?? []).map((entry) => entry.type).join(', ')})`);
    }
    const approvals = (totals.get(listed.id) ?? []).reduce((sum, channelTotals) => sum + channelTotals.approved, 0);
    if (approvals > 1) {
      doubleAuthorizations += 1;
      violations.push(`${listed.id}: ${approvals} approved authorizations at the acquirers`);
    }
    const rate = rates[merchant];
    const authorized = approvals > 0 && payment?.authorizationId !== null ? 1 : 0;
    rate.sent += 1;
    rate.authorized += authorized;
    if (listed.metadata.phase === 'outage') {
      rate.outageSent += 1;
      rate.outageAuthorized += authorized;
    }
    if (payment?.timeline.some((timelineEntry) => timelineEntry.type === 'payment.rerouted')) rate.rerouted += 1;
  }
  const ratio = (part: number, whole: number) => (whole === 0 ? null : Number((part / whole).toFixed(4)));
  const exploration = await explorationPhase(platform, api, db, options, run, violations);
  const firstAfter = (state: string, after: number) => breakerLog.find((entry) => entry.state === state && entry.at >= after)?.at;
  const opened = firstAfter('open', outageStartedAt);
  const closed = firstAfter('closed', outageEndedAt);
  let openMs = 0;
  for (const [index, entry] of breakerLog.entries()) {
    if (entry.state === 'closed') continue;
    openMs += (breakerLog[index + 1]?.at ?? Date.now()) - Math.max(entry.at, started);
  }
  const seconds = (ms: number | undefined) => (ms === undefined ? null : Number((ms / 1000).toFixed(2)));
  const authRateWithFailover = ratio(rates.failover.authorized, rates.failover.sent);
  const authRateBaseline = ratio(rates.baseline.authorized, rates.baseline.sent);
  if ((authRateWithFailover ?? 0) < 0.98) violations.push(`auth_rate_with_failover ${authRateWithFailover} is below 0.98`);
  if (opened === undefined) violations.push(`the ${OUTAGE_CHANNEL} breaker never opened during the outage`);
  if (closed === undefined) violations.push(`the ${OUTAGE_CHANNEL} breaker did not close within ${options.recoverySeconds} s of the outage's end`);

  const headline = {
    auth_rate_with_failover: authRateWithFailover,
    auth_rate_baseline: authRateBaseline,
    double_authorizations: doubleAuthorizations,
    time_to_open_seconds: seconds(opened === undefined ? undefined : opened - outageStartedAt),
    time_to_close_seconds: seconds(closed === undefined ? undefined : closed - outageEndedAt),
    breaker_open_seconds: seconds(openMs),
    exploration_share: exploration?.exploration_share ?? null,
  };
  const result = drillResult('acquirer_outage', started, {
    lost,
    duplicated: doubleAuthorizations,
    server_errors: serverErrors,
    counts: {
      ...headline,
      auth_rate_during_outage_with_failover: ratio(rates.failover.outageAuthorized, rates.failover.outageSent),
      auth_rate_during_outage_baseline: ratio(rates.baseline.outageAuthorized, rates.baseline.outageSent),
      payments: { with_failover: rates.failover.sent, baseline: rates.baseline.sent },
      rerouted: { with_failover: rates.failover.rerouted, baseline: rates.baseline.rerouted },
      statuses,
      outage: { channel: OUTAGE_CHANNEL, seconds: seconds(outageEndedAt - outageStartedAt), error_rate: options.errorRate, timeout_rate: options.timeoutRate, injected },
      breaker_log: breakerLog.map((entry) => ({ state: entry.state, at_seconds: seconds(entry.at - started) })),
      health_policy: DEFAULT_HEALTH_POLICY,
      success_rate_routing: exploration,
    },
    violations,
  });
  // The headline figures also at the top of the drill's report (drills.acquirer_outage.auth_rate_with_failover...).
  return { ...result, ...headline };
};

/**
 * The `success_rate` strategy's exploration, measured: a merchant onboarded for the phase (so no cached profile
 * hides its routing setting) routes by success rate with the default exploration share, and pays
 * `explorationPayments` times, `pairsInFlight` × 2 at once, in the currencies both card channels settle, with
 * both circuits closed. Reads each payment's recorded plan (`route.strategy`, `route.reason`): the share of
 * decisions made by exploration is reported beside the configured share; a share further than four standard
 * deviations of a binomial draw from it is a violation (a false alarm about once in 15,000 runs).
 */
const explorationPhase = async (
  platform: BenchPlatform,
  api: ApiClient,
  db: DynamoDBDocumentClient,
  options: AcquirerOutageOptions,
  run: string,
  violations: string[],
) => {
  if (options.explorationPayments <= 0) return undefined;
  const onboarded = await operatorFetch(platform, 'ops_admin', 'POST', '/v1/merchants', { name: `Outage drill success rate ${run}` });
  const merchant = (await onboarded.json()) as { id?: string; api_key?: { secret?: string } };
  if (onboarded.status !== 201 || !merchant.id || !merchant.api_key?.secret) throw new Error(`onboarding the exploration merchant answered ${onboarded.status}`);
  const key = merchant.api_key.secret;
  const configured = DEFAULT_MERCHANT_ROUTING.explorationShare;
  await db.send(
    new UpdateCommand({
      TableName: tableName('merchants'),
      Key: { pk: `merchant#${merchant.id}`, sk: 'profile' },
      UpdateExpression: 'SET routing = :routing',
      ExpressionAttributeValues: { ':routing': { strategy: 'success_rate', explorationShare: configured } },
      ConditionExpression: 'attribute_exists(pk)',
    }),
  );
  const next = seededRandom(options.seed + 17);
  let sequence = 0;
  const ids: string[] = [];
  const senders = Array.from({ length: options.pairsInFlight * 2 }, async () => {
    while (sequence < options.explorationPayments) {
      sequence += 1;
      const traffic = TRAFFIC[sequence % TRAFFIC.length] as (typeof TRAFFIC)[number];
      const answer = await api.call('outage_exploration', 'POST', '/v1/payments', {
        key,
        idempotencyKey: `outage-${run}-explore-${sequence}`,
        body: {
          amount: traffic.min + Math.floor(next() * (traffic.max - traffic.min)),
          currency: traffic.currency,
          payment_method: card(playerCardNumber(800_000 + sequence)),
          metadata: { drill: `outage-${run}`, phase: 'exploration' },
        },
      });
      if (answer.status === 201 && answer.json?.id) ids.push(answer.json.id);
      else violations.push(`exploration payment answered ${answer.status}: ${answer.text.slice(0, 160)}`);
    }
  });
  await Promise.all(senders);
  await platform.waitForQuiescence(60_000);
  const reasons: Record<string, number> = {};
  const channels: Record<string, number> = {};
  let bySuccessRate = 0;
  let explored = 0;
  for (const id of ids) {
    const route = (await platform.payment(id))?.route;
    if (!route) continue;
    reasons[route.reason ?? 'none'] = (reasons[route.reason ?? 'none'] ?? 0) + 1;
    const first = route.plan[0];
    if (first) channels[first] = (channels[first] ?? 0) + 1;
    if (route.strategy !== 'success_rate') continue;
    bySuccessRate += 1;
    if (route.reason === 'exploration') explored += 1;
  }
  const share = bySuccessRate === 0 ? null : Number((explored / bySuccessRate).toFixed(4));
  if (share === null) violations.push('no exploration-phase payment was routed by the success_rate strategy');
  else if (Math.abs(share - configured) > 4 * Math.sqrt((configured * (1 - configured)) / bySuccessRate))
    violations.push(`exploration share ${share} over ${bySuccessRate} decisions is too far from the configured ${configured}`);
  return { payments: ids.length, decided_by_success_rate: bySuccessRate, explored, exploration_share: share, configured_share: configured, reasons, first_channels: channels };
};
