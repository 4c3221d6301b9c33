import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readPain001 } from '../../lambdas/adapters/rails/formats/iso20022';
import { readNachaFile } from '../../lambdas/adapters/rails/formats/nacha';
import { achReferenceOf } from '../../lambdas/adapters/rails/meridian-file-rail';
import { instantReferenceOf } from '../../lambdas/adapters/rails/pulse-instant-rail';
import { ApiClient, seededRandom } from '../lib/http';
import { card } from '../lib/mix';
import type { BenchPlatform } from '../lib/platform';
import { BENEFICIARIES, BeneficiaryBook, type PayoutDestination, indicativeAmount } from '../lib/treasury';
import { type DrillResult, drillResult, ledgerDifferences } from './common';
import { judgeAnswers, storm } from './duplicate-storm';

/**
 * The payout storm drill, and what it checks: the merchant's payouts as the API lists them, and what each
 * simulated rail received (docs/simulators.md "For inspection"): Keystone's and Pulse's
 * `/__simulator/payments`, Meridian's outbox archive. A payout is paid by a rail at most once: Keystone
 * records one payment per MessageId, Pulse one per Idempotency-Key, Meridian one per file name (a second
 * copy of a file is archived as `<name>.duplicate-<ms>` and never paid). The platform resubmits a payout
 * when its saga re-runs (a restart), always under the same key and file name, so a rail that holds two
 * payments for one payout means it was sent twice, and a duplicate Meridian file means it was submitted
 * twice (and refused the second time).
 */
export const PAYOUT_TERMINAL = ['paid', 'failed', 'returned', 'canceled'];

export interface ListedPayout {
  readonly id: string;
  readonly status: string;
  readonly amount: number;
  readonly currency: string;
  readonly source_amount: number;
  readonly source_currency: string;
  readonly rail: string;
  readonly reference: string;
  readonly failure_code: string | null;
  readonly metadata: Record<string, string>;
  readonly created_at: string;
}

/** Every payout of the merchant, newest first, through GET /v1/payouts (pages of 100). */
export const listAllPayouts = async (api: ApiClient, key: string): Promise<ListedPayout[]> => {
  const payouts: ListedPayout[] = [];
  let after: string | undefined;
  for (;;) {
    const answer = await api.call('list_payouts', 'GET', `/v1/payouts?limit=100${after ? `&starting_after=${after}` : ''}`, { key });
    if (answer.status !== 200) throw new Error(`GET /v1/payouts answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    payouts.push(...(answer.json.data as ListedPayout[]));
    if (!answer.json.has_more) return payouts;
    after = payouts.at(-1)?.id;
  }
};

/** The reference a rail knows a payout by (the platform derives it from the payout alone). */
export const railReferenceOf = (payout: Pick<ListedPayout, 'id' | 'rail' | 'created_at'>): string => {
  if (payout.rail === 'ach') return achReferenceOf(payout.id);
  if (payout.rail === 'pix' || payout.rail === 'spei') return instantReferenceOf(payout.id, payout.rail, payout.created_at);
  return payout.id; // SEPA end-to-end id, Keystone's EndToEndId
};

export interface RailAccess {
  readonly keystoneUrl: string;
  readonly pulseUrl: string;
  readonly pulseApiKey: string;
  /** Where Meridian archives each file it read from its outbox. */
  readonly meridianArchive: string;
}

/** The local runtime's rails (runtime.json `payoutRails`, or LocalPayoutRails.summary). */
export const railAccessOf = (summary: unknown): RailAccess => {
  const rails = summary as { meridian: { archive: string }; keystone: { url: string }; pulse: { url: string; apiKey: string } };
  return { keystoneUrl: rails.keystone.url, pulseUrl: rails.pulse.url, pulseApiKey: rails.pulse.apiKey, meridianArchive: rails.meridian.archive };
};

export interface RailPayments {
  /** Payments each rail holds, per rail reference. */
  readonly byReference: ReadonlyMap<string, number>;
  /** Files Meridian received again and refused to pay twice (a resubmission after a restart). */
  readonly meridianDuplicateFiles: number;
  /** Per rail reference, its payments in those refused copies: submissions that were not paid. */
  readonly refusedResubmissions: ReadonlyMap<string, number>;
  readonly byChannel: Readonly<Record<'meridian' | 'keystone' | 'pulse', number>>;
}

const getJson = async <T>(url: string, headers: Record<string, string> = {}): Promise<T> => {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
};

/** The payment references in one Meridian file (NACHA entries' individual ids, pain.001 end-to-end ids). */
const referencesInFile = (name: string, content: string): string[] => {
  const base = name.replace(/\.duplicate-\d+$/, '');
  if (base.endsWith('.ach')) return readNachaFile(content).entries.map((entry) => entry.individualId);
  if (base.endsWith('.xml')) return readPain001(content).transfers.map((transfer) => transfer.endToEndId);
  return [];
};

/**
 * Meridian's archive: payments per reference in the files it paid, and per reference the payments in the
 * duplicate copies it refused to pay (a second submission of the same file).
 */
export const meridianArchivePayments = (archive: string): { byReference: Map<string, number>; duplicatesByReference: Map<string, number>; duplicates: number; payments: number } => {
  const byReference = new Map<string, number>();
  const duplicatesByReference = new Map<string, number>();
  let duplicates = 0;
  let payments = 0;
  if (!existsSync(archive)) return { byReference, duplicatesByReference, duplicates, payments };
  for (const name of readdirSync(archive, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name)) {
    const duplicate = name.includes('.duplicate-');
    if (duplicate) duplicates += 1;
    for (const reference of referencesInFile(name, readFileSync(join(archive, name), 'utf8'))) {
      const target = duplicate ? duplicatesByReference : byReference;
      target.set(reference, (target.get(reference) ?? 0) + 1);
      if (!duplicate) payments += 1;
    }
  }
  return { byReference, duplicatesByReference, duplicates, payments };
};

export const collectRailPayments = async (rails: RailAccess): Promise<RailPayments> => {
  const byReference = new Map<string, number>();
  const add = (reference: string) => byReference.set(reference, (byReference.get(reference) ?? 0) + 1);
  const keystone = await getJson<{ payments: { endToEndId: string }[] }>(`${rails.keystoneUrl}/__simulator/payments`);
  for (const payment of keystone.payments) add(payment.endToEndId);
  const pulse = await getJson<{ payments: { endToEndId: string }[] }>(`${rails.pulseUrl}/__simulator/payments`, { Authorization: `Bearer ${rails.pulseApiKey}` });
  for (const payment of pulse.payments) add(payment.endToEndId);
  const meridian = meridianArchivePayments(rails.meridianArchive);
  for (const [reference, count] of meridian.byReference) byReference.set(reference, (byReference.get(reference) ?? 0) + count);
  return {
    byReference,
    meridianDuplicateFiles: meridian.duplicates,
    refusedResubmissions: meridian.duplicatesByReference,
    byChannel: { meridian: meridian.payments, keystone: keystone.payments.length, pulse: pulse.payments.length },
  };
};

/**
 * A payout against what the rails hold: paid or returned → exactly one payment at its rail; failed → at
 * most one (refused after acceptance); canceled → none. A resubmission the rail refused to pay (a duplicate
 * Meridian file) is a second submission: a violation unless `refusedCopies` is 'allowed'. That is so after a
 * crash: a file the bank took before the kill is gone from the outbox, so the file rail's lookup cannot tell
 * it from one never dropped and the recovery sends the same file again, which the bank refuses to pay (file
 * dedupe by name is the file channel's idempotency, decision record 0012); in a storm without a crash, a
 * second file means two runs submitted one payout. Returns the violations, the payments and submissions at
 * the rail, and whether the payout was paid (or, when copies are not allowed, submitted) twice.
 */
export const checkPayoutAtRail = (
  payout: Pick<ListedPayout, 'id' | 'rail' | 'status' | 'created_at'>,
  rails: Pick<RailPayments, 'byReference' | 'refusedResubmissions'>,
  refusedCopies: 'violation' | 'allowed' = 'violation',
): { violations: string[]; duplicated: boolean; payments: number; submissions: number } => {
  const reference = railReferenceOf(payout);
  const payments = rails.byReference.get(reference) ?? 0;
  const submissions = payments + (rails.refusedResubmissions.get(reference) ?? 0);
  const violations: string[] = [];
  if (payments > 1) violations.push(`${payout.id} (${payout.rail}): ${payments} payments at the rail (paid twice)`);
  else if (submissions > 1 && refusedCopies === 'violation') violations.push(`${payout.id} (${payout.rail}): submitted ${submissions} times (the rail refused to pay the copies)`);
  if ((payout.status === 'paid' || payout.status === 'returned') && payments === 0) violations.push(`${payout.id} (${payout.rail}): ${payout.status} but the rail holds no payment`);
  if (payout.status === 'canceled' && payments > 0) violations.push(`${payout.id} (${payout.rail}): canceled but the rail holds a payment`);
  return { violations, duplicated: payments > 1 || (refusedCopies === 'violation' && submissions > 1), payments, submissions };
};

/** Every currency's reserved balance is 0 (nothing held for a payout once all are terminal); the violations. */
export const reservedLeft = (balances: { readonly reserved: readonly { readonly currency: string; readonly amount: number }[] }): string[] =>
  balances.reserved.filter((entry) => entry.amount !== 0).map((entry) => `reserved ${entry.amount} ${entry.currency} after every payout ended`);

/** The payout storm's destinations: USD balances to every rail channel, same-currency, converted by the platform, or at the merchant's quote. */
export const STORM_DESTINATIONS: readonly PayoutDestination[] = [
  { name: 'ach_usd', beneficiary: 'ach_us', source: 'USD', conversion: 'none' },
  { name: 'eft_cad_from_usd', beneficiary: 'eft_ca', source: 'USD', conversion: 'source_currency' },
  { name: 'spei_mxn_quoted_from_usd', beneficiary: 'spei_mx', source: 'USD', conversion: 'quote' },
  { name: 'swift_usd', beneficiary: 'swift_sg', source: 'USD', conversion: 'none' },
];
/** Each storm payout spends this much of the USD balance (minor units). */
const STORM_PAYOUT_USD = 2_000;

/**
 * Payout storm: the duplicate storm (bench/drills/duplicate-storm.ts) on POST /v1/payouts. `keys` keys,
 * each sent by `clients` concurrent clients with the same body (keys in waves of `wave`), to the
 * destinations in turn (ACH files at Meridian, EFT and SWIFT over Keystone SOAP, SPEI at Pulse;
 * same-currency, `source_currency` converted by the platform, and at the merchant's own quote, taken once
 * per key before the storm so every client sends the same body), from a USD balance funded by one card
 * payment settled by its acquirer. Expected: exactly one payout per key, paid (parked in its return
 * window); exactly one submission of it at its rail and one payment there; every 2xx for a key
 * byte-identical; no 5xx; the balance went down by exactly the payouts' source amounts; nothing left
 * reserved; the ledger verifier clean.
 */
export const payoutStormDrill = async (platform: BenchPlatform, options: { keys: number; clients: number; wave: number; seed: number }): Promise<DrillResult> => {
  const started = Date.now();
  const api = new ApiClient(() => platform.runtime.apiUrl);
  const merchant = platform.runtime.merchants[0];
  if (!merchant) throw new Error('no demo merchant');
  // The seed, and the clock to keep keys apart from another run's on the same platform.
  const run = `${options.seed}-${Date.now().toString(36)}`;
  const random = seededRandom(options.seed);
  const violations: string[] = [];

  // Fund the balance: one card payment, captured and settled by the acquirer's webhook (the fee is far below 10 %).
  const funding = await api.call('payout_storm_fund', 'POST', '/v1/payments', {
    key: merchant.api_key,
    idempotencyKey: `payout-storm-${run}-funding`,
    body: { amount: Math.ceil((options.keys * STORM_PAYOUT_USD * 1.1 + 500) / 0.9), currency: 'USD', payment_method: card('4242424242424242'), metadata: { payout_storm_funding: run } },
  });
  if (funding.status !== 201) throw new Error(`payout storm: funding payment answered ${funding.status} ${funding.text.slice(0, 200)}`);
  const funded = await platform.waitForExecution('payment', funding.json.id);
  if (funded.status !== 'SUCCEEDED' || !(await platform.waitForFunds(funding.json.id, 60_000))) throw new Error(`payout storm: funding payment ${funding.json.id} did not settle`);
  // Everything else of this merchant at rest, so the balance moves only by the storm's payouts.
  if (!(await platform.waitForQuiescence(120_000))) violations.push('payout storm: the platform did not settle before the storm');
  const availableUsd = async () => (await platform.balances(merchant.id)).find((balance) => balance.currency === 'USD')?.available ?? 0;
  const availableBefore = await availableUsd();

  const book = new BeneficiaryBook(api);
  const keys = Array.from({ length: options.keys }, (_, index) => `payout-storm-${run}-${index}`);
  const bodies = new Map<string, Record<string, unknown>>();
  for (const [index, key] of keys.entries()) {
    const destination = STORM_DESTINATIONS[index % STORM_DESTINATIONS.length] as PayoutDestination;
    const currency = BENEFICIARIES[destination.beneficiary].body.currency;
    let amount: Record<string, unknown> = { amount: STORM_PAYOUT_USD, currency };
    if (destination.conversion === 'source_currency') amount = { amount: indicativeAmount(STORM_PAYOUT_USD, 'USD', currency), currency, source_currency: 'USD' };
    if (destination.conversion === 'quote') {
      const quote = await api.call('payout_storm_quote', 'POST', '/v1/fx/quotes', {
        key: merchant.api_key,
        idempotencyKey: `${key}-quote`,
        body: { sell_currency: 'USD', buy_currency: currency, sell_amount: STORM_PAYOUT_USD, validity: 'MIN_15' },
      });
      if (quote.status !== 201) throw new Error(`payout storm: quote answered ${quote.status} ${quote.text.slice(0, 200)}`);
      amount = { amount: quote.json.buy_amount, currency, quote_id: quote.json.id };
    }
    bodies.set(key, { beneficiary_id: await book.get(merchant, destination.beneficiary), ...amount, reference: `STORM ${index}`, metadata: { storm_key: key, destination: destination.name } });
  }

  const answers = await storm(api, merchant, '/v1/payouts', keys, { ...options, random }, (key) => bodies.get(key) as Record<string, unknown>);
  const judged = judgeAnswers(answers, violations);
  // Every payout to its end (paid: parked in its return window), then every rail message handled.
  const ids = [...new Set([...answers.values()].flatMap((results) => results.filter((result) => result.status === 201).map((result) => JSON.parse(result.text).id as string)))];
  await Promise.all(ids.map((id) => platform.waitForPayout(id, 120_000)));
  if (!(await platform.waitForQuiescence(120_000))) violations.push('payout storm: the platform did not settle within 120 s');

  const payouts = (await listAllPayouts(api, merchant.api_key)).filter((payout) => payout.metadata.storm_key?.startsWith(`payout-storm-${run}-`));
  const rails = await collectRailPayments(railAccessOf(platform.runtime.payoutRails.summary));
  const statuses: Record<string, number> = {};
  let lost = 0;
  let duplicated = 0;
  let paymentsAtRails = 0;
  let submissionsAtRails = 0;
  let spent = 0;
  for (const key of keys) {
    const found = payouts.filter((payout) => payout.metadata.storm_key === key);
    if (found.length === 0) {
      lost += 1;
      violations.push(`${key}: no payout`);
      continue;
    }
    if (found.length > 1) {
      duplicated += 1;
      violations.push(`${key}: ${found.length} payouts (${found.map((payout) => payout.id).join(', ')})`);
    }
    for (const payout of found) {
      statuses[payout.status] = (statuses[payout.status] ?? 0) + 1;
      if (!PAYOUT_TERMINAL.includes(payout.status)) {
        lost += 1;
        violations.push(`${key}: payout ${payout.id} never ended (${payout.status})`);
      } else if (payout.status !== 'paid') violations.push(`${key}: payout ${payout.id} ended ${payout.status} (${payout.failure_code})`);
      if (payout.source_currency !== 'USD') violations.push(`${key}: payout ${payout.id} paid from ${payout.source_currency}, expected USD`);
      if (payout.status === 'paid') spent += payout.source_amount;
      const atRail = checkPayoutAtRail(payout, rails);
      paymentsAtRails += atRail.payments;
      submissionsAtRails += atRail.submissions;
      violations.push(...atRail.violations.map((violation) => `${key}: ${violation}`));
      if (atRail.duplicated) duplicated += 1;
      if (atRail.submissions === 0 && payout.status === 'paid') lost += 1;
    }
  }
  const availableAfter = await availableUsd();
  if (availableBefore - availableAfter !== spent) violations.push(`payout storm: USD available went from ${availableBefore} to ${availableAfter}, the paid payouts' source amounts are ${spent}`);
  const balances = await platform.balances(merchant.id);
  const reserved = reservedLeft({ reserved: balances.map((balance) => ({ currency: balance.currency, amount: balance.reserved })) });
  violations.push(...reserved.map((message) => `payout storm: ${message}`));
  const ledger = await ledgerDifferences(platform.runtime.dynamoDbEndpoint);
  violations.push(...ledger.map((difference) => `ledger: ${difference}`));

  return drillResult('payout_storm', started, {
    lost,
    duplicated,
    server_errors: judged.serverErrors,
    counts: {
      keys: keys.length,
      clients_per_key: options.clients,
      destinations: STORM_DESTINATIONS.slice(0, Math.min(keys.length, STORM_DESTINATIONS.length)).map((destination) => destination.name),
      requests: [...answers.values()].reduce((sum, results) => sum + results.length, 0),
      answers_by_status: judged.statuses,
      in_progress_409: judged.inProgress,
      replayed_2xx: judged.replayed,
      keys_with_differing_2xx: judged.mismatched,
      payouts: payouts.length,
      statuses,
      submissions_at_rails: submissionsAtRails,
      payments_at_rails: paymentsAtRails,
      usd_spent: spent,
      usd_available_change: availableAfter - availableBefore,
      reserved_left: reserved.length,
      ledger_differences: ledger.length,
    },
    violations: [...new Set(violations)],
  });
};
