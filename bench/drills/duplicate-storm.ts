import type { MerchantCredentials } from '../../local/seed';
import { type ApiAnswer, ApiClient, pool, seededRandom, sleep } from '../lib/http';
import { card } from '../lib/mix';
import type { BenchPlatform } from '../lib/platform';
import { type DrillResult, TERMINAL, checkAgainstAcquirer, drillResult, listAllPayments, simulatorTotals } from './common';

/**
 * Duplicate storm: `keys` idempotency keys, each sent by `clients` concurrent clients with the same
 * body at the same moment (keys in waves of `wave`); a client answered 409 idempotency_in_progress sends
 * it again shortly, until it gets its answer. Expected: exactly one payment per key (listed by the API,
 * found by the key in its metadata), one charge per key at the acquirer, and every 2xx answer for a key
 * byte-identical to the others (replays are the stored first answer). 409s are allowed and counted.
 * The same storm on POST /v1/payouts is the `payout_storm` drill (bench/drills/payouts.ts).
 */
export const duplicateStormDrill = async (platform: BenchPlatform, options: { keys: number; clients: number; wave: number; seed: number }): Promise<DrillResult> => {
  const started = Date.now();
  const api = new ApiClient(() => platform.runtime.apiUrl);
  const merchant = platform.runtime.merchants[1] ?? platform.runtime.merchants[0];
  if (!merchant) throw new Error('no demo merchant');
  // The seed, and the clock to keep keys apart from another run's on the same platform.
  const run = `${options.seed}-${Date.now().toString(36)}`;
  const random = seededRandom(options.seed);
  const keys = Array.from({ length: options.keys }, (_, index) => `storm-${run}-${index}`);
  const answers = await storm(api, merchant, '/v1/payments', keys, { ...options, random }, (key, index) => ({
    amount: 1000 + index,
    currency: 'USD',
    payment_method: card(index % 2 ? '5555555555554444' : '4242424242424242'),
    metadata: { storm_key: key },
  }));
  // Let every saga finish and every settlement arrive before counting charges.
  const settled = await platform.waitForQuiescence(180_000);

  const violations: string[] = [];
  if (!settled) violations.push('the platform did not settle within 180 s');
  const { statuses, inProgress, replayed, mismatched, serverErrors } = judgeAnswers(answers, violations);

  const payments = (await listAllPayments(api, merchant.api_key)).filter((payment) => payment.metadata.storm_key?.startsWith(`storm-${run}-`));
  const byKey = new Map<string, typeof payments>();
  for (const payment of payments) byKey.set(payment.metadata.storm_key as string, [...(byKey.get(payment.metadata.storm_key as string) ?? []), payment]);
  const totals = await simulatorTotals(platform.runtime.cardChannels);
  let lost = 0;
  let duplicated = 0;
  let charges = 0;
  for (const key of keys) {
    const found = byKey.get(key) ?? [];
    if (found.length === 0) {
      lost += 1;
      violations.push(`${key}: no payment`);
      continue;
    }
    if (found.length > 1) {
      duplicated += 1;
      violations.push(`${key}: ${found.length} payments (${found.map((payment) => payment.id).join(', ')})`);
    }
    for (const payment of found) {
      if (!TERMINAL.includes(payment.status)) {
        lost += 1;
        violations.push(`${key}: payment ${payment.id} never ended (${payment.status})`);
      }
      const approved = (totals.get(payment.id) ?? []).reduce((sum, entry) => sum + entry.approved, 0);
      charges += approved;
      if (approved > 1) duplicated += 1;
      violations.push(...checkAgainstAcquirer(payment, totals.get(payment.id)));
      if (payment.status !== 'succeeded') violations.push(`${key}: payment ${payment.id} ended ${payment.status} (${payment.failure_code})`);
    }
  }
  return drillResult('duplicate_storm', started, {
    lost,
    duplicated,
    server_errors: serverErrors,
    counts: {
      keys: keys.length,
      clients_per_key: options.clients,
      requests: [...answers.values()].reduce((sum, results) => sum + results.length, 0),
      answers_by_status: statuses,
      in_progress_409: inProgress,
      replayed_2xx: replayed,
      keys_with_differing_2xx: mismatched,
      payments: payments.length,
      charges_at_acquirer: charges,
    },
    violations: [...new Set(violations)],
  });
};

export interface StormAnswer {
  readonly status: number;
  readonly text: string;
  readonly replayed: boolean;
  readonly code?: string;
}

/**
 * Each key sent to `path` by `clients` concurrent clients with the same body (keys in waves): every
 * client sends at once; one told 409 idempotency_in_progress retries shortly, as the API asks.
 */
export const storm = async (
  api: ApiClient,
  merchant: MerchantCredentials,
  path: string,
  keys: readonly string[],
  options: { clients: number; wave: number; random: () => number },
  bodyOf: (key: string, index: number) => Record<string, unknown>,
): Promise<Map<string, StormAnswer[]>> => {
  const answers = new Map<string, StormAnswer[]>();
  await pool(keys, options.wave, async (key, index) => {
    const body = bodyOf(key, index);
    const results = await Promise.all(
      Array.from({ length: options.clients }, async () => {
        const seen: StormAnswer[] = [];
        for (let attempt = 0; attempt < 200; attempt += 1) {
          const answer: ApiAnswer = await api.call(`storm_create${path.replaceAll('/', '_')}`, 'POST', path, { key: merchant.api_key, idempotencyKey: key, body });
          seen.push({ status: answer.status, text: answer.text, replayed: answer.headers.get('idempotent-replayed') === 'true', code: answer.json?.code as string | undefined });
          if (!(answer.status === 409 && answer.json?.code === 'idempotency_in_progress')) break;
          await sleep(100 + options.random() * 200);
        }
        return seen;
      }),
    );
    answers.set(key, results.flat());
  });
  return answers;
};

/** Every answer of a storm: 409s in progress counted, 5xx and other refusals are violations, each key's 2xx identical. */
export const judgeAnswers = (answers: ReadonlyMap<string, readonly StormAnswer[]>, violations: string[]) => {
  const statuses: Record<string, number> = {};
  let inProgress = 0;
  let replayed = 0;
  let serverErrors = 0;
  let mismatched = 0;
  for (const [key, results] of answers) {
    for (const result of results) {
      statuses[result.status] = (statuses[result.status] ?? 0) + 1;
      if (result.status === 409 && result.code === 'idempotency_in_progress') inProgress += 1;
      else if (result.status >= 500) {
        serverErrors += 1;
        violations.push(`${key}: answered ${result.status} ${result.code ?? ''}`);
      } else if (result.status >= 300) violations.push(`${key}: answered ${result.status} ${result.code ?? ''}`);
      if (result.replayed) replayed += 1;
    }
    const successes = results.filter((result) => result.status >= 200 && result.status < 300);
    if (successes.length === 0) violations.push(`${key}: no 2xx answer among ${results.length} clients`);
    if (new Set(successes.map((result) => result.text)).size > 1) {
      mismatched += 1;
      violations.push(`${key}: the 2xx answers differ`);
    }
  }
  return { statuses, inProgress, replayed, serverErrors, mismatched };
};
