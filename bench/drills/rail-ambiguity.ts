import { randomUUID } from 'node:crypto';
import { fromDecimalAmount } from '../../lambdas/adapters/rails/amounts';
import { nextPayoutStep } from '../../lambdas/domain/payouts/payout-saga';
import { ApiClient, pool } from '../lib/http';
import { card } from '../lib/mix';
import type { BenchPlatform } from '../lib/platform';
import { BENEFICIARIES, BeneficiaryBook, type BeneficiaryKey, indicativeAmount } from '../lib/treasury';
import { type DrillResult, drillResult, ledgerDifferences } from './common';
import { reservedLeft } from './payouts';

/**
 * Rail ambiguity (issue 13, item 1): payouts whose bank TAKES the payment and then loses its answer, more
 * times than any retry lasts: a 502 or 504 from a proxy, a 429, a SOAP Server fault (Pulse: a 500), the
 * first request still in processing ("key in use": 504, then 409 for 3 s, lookups 404 meanwhile), silence
 * past the client's timeout. Beside them, a definite refusal (a control: it must be released). The
 * simulated banks are told by each payout's reference (docs/simulators.md), the rails and destinations
 * taken in turn from the seed: PIX and SPEI at Pulse, SWIFT and Canadian EFT at Keystone, paid from a USD
 * balance funded by one settled card payment (converted by the platform where the currency differs).
 *
 * Expected: every ambiguous payout paid, exactly once at its bank; the refused one failed and released.
 * Figures: `paid_and_released` (a bank paid it and its funds went back to the merchant: money lost to the
 * platform) = 0, `released_on_unknown` (an ambiguous payout failed) = 0, the money the banks paid per
 * currency equals the ledger's paid payouts, nothing left reserved, the ledger verifier clean.
 */
export const AMBIGUITIES = [
  { name: 'gateway_502', directive: 'sim:ambiguous:502:9', expected: 'paid' },
  { name: 'gateway_504', directive: 'sim:ambiguous:504:9', expected: 'paid' },
  { name: 'rate_limited_429', directive: 'sim:ambiguous:429:9', expected: 'paid' },
  { name: 'server_fault', directive: 'sim:ambiguous:fault:9', expected: 'paid' },
  { name: 'key_in_use_3s', directive: 'sim:in-use:3000', expected: 'paid' },
  { name: 'silence_past_timeout', directive: 'sim:ambiguous:hang:2', expected: 'paid' },
  { name: 'refused_control', directive: 'sim:reject:account-closed', expected: 'failed' },
] as const;

const DESTINATIONS: readonly BeneficiaryKey[] = ['pix_br', 'swift_sg', 'spei_mx', 'eft_ca'];
/** Each payout spends this much of the USD balance (minor units). */
const PAYOUT_USD = 2_000;

interface RailRecord {
  readonly channel: 'keystone' | 'pulse';
  readonly key: string;
  readonly amount: string;
  readonly currency: string;
  readonly paid: boolean;
}

export const railAmbiguityDrill = async (platform: BenchPlatform, options: { payouts: number; concurrency: number; seed: number }): Promise<DrillResult> => {
  const started = Date.now();
  const api = new ApiClient(() => platform.runtime.apiUrl);
  const merchant = platform.runtime.merchants[1] ?? platform.runtime.merchants[0];
  if (!merchant) throw new Error('no demo merchant');
  const run = randomUUID().slice(0, 8);
  const violations: string[] = [];

  // Fund the USD balance: one card payment, captured and settled by its acquirer.
  const funding = await api.call('rail_ambiguity_fund', 'POST', '/v1/payments', {
    key: merchant.api_key,
    idempotencyKey: `rail-ambiguity-${run}-funding`,
    body: { amount: Math.ceil((options.payouts * PAYOUT_USD * 1.1 + 500) / 0.9), currency: 'USD', payment_method: card('4242424242424242'), metadata: { rail_ambiguity_funding: run } },
  });
  if (funding.status !== 201) throw new Error(`rail ambiguity: funding payment answered ${funding.status} ${funding.text.slice(0, 200)}`);
  const funded = await platform.waitForExecution('payment', funding.json.id);
  if (funded.status !== 'SUCCEEDED' || !(await platform.waitForFunds(funding.json.id, 60_000))) throw new Error(`rail ambiguity: funding payment ${funding.json.id} did not settle`);

  const book = new BeneficiaryBook(api);
  const plan = Array.from({ length: options.payouts }, (_, index) => {
    const scenario = AMBIGUITIES[(index + options.seed) % AMBIGUITIES.length] as (typeof AMBIGUITIES)[number];
    const destination = DESTINATIONS[(index + Math.floor((index + options.seed) / AMBIGUITIES.length)) % DESTINATIONS.length] as BeneficiaryKey;
    return { index, scenario, destination };
  });
  let serverErrors = 0;
  const created = await pool(plan, options.concurrency, async ({ index, scenario, destination }) => {
    const currency = BENEFICIARIES[destination].body.currency;
    const amount = currency === 'USD' ? { amount: PAYOUT_USD, currency } : { amount: indicativeAmount(PAYOUT_USD, 'USD', currency), currency, source_currency: 'USD' };
    const answer = await api.call('rail_ambiguity_payout', 'POST', '/v1/payouts', {
      key: merchant.api_key,
      idempotencyKey: `rail-ambiguity-${run}-${index}`,
      body: { beneficiary_id: await book.get(merchant, destination), ...amount, reference: `AMB ${index} ${scenario.directive}`, metadata: { rail_ambiguity: run, scenario: scenario.name } },
    });
    if (answer.status >= 500) serverErrors += 1;
    if (answer.status !== 201) {
      violations.push(`${scenario.name} to ${destination}: POST /v1/payouts answered ${answer.status} ${answer.text.slice(0, 200)}`);
      return undefined;
    }
    if (scenario.expected === 'paid' && answer.json.status === 'failed') violations.push(`${answer.json.id} (${scenario.name}, ${destination}): the create answered failed (${answer.json.failure_code})`);
    return { id: answer.json.id as string, scenario, destination, answered: answer.json.status as string };
  });

  let lost = created.filter((item) => item === undefined).length;
  const outcomes = await Promise.all(
    created.flatMap((item) => (item ? [item] : [])).map(async (item) => ({ ...item, ...(await platform.waitForPayout(item.id, 180_000)) })),
  );
  if (!(await platform.waitForQuiescence(120_000))) violations.push('rail ambiguity: the platform did not settle within 120 s');

  const rails: RailRecord[] = [
    ...platform.runtime.payoutRails.pulse.payments().map((payment) => ({ channel: 'pulse' as const, key: payment.idempotencyKey, amount: payment.amount, currency: payment.currency, paid: payment.status === 'settled' })),
    ...platform.runtime.payoutRails.keystone.payments().map((payment) => ({ channel: 'keystone' as const, key: payment.messageId, amount: payment.amount, currency: payment.currency, paid: payment.status === 'SETTLED' })),
  ];
  const atRail = (id: string) => rails.filter((record) => record.key === id);

  let duplicated = 0;
  let paidAndReleased = 0;
  let releasedOnUnknown = 0;
  const byScenario: Record<string, Record<string, number>> = {};
  const railPaid: Record<string, number> = {};
  const ledgerPaid: Record<string, number> = {};
  for (const outcome of outcomes) {
    const { id, scenario, destination, payout, timedOut } = outcome;
    const status = payout?.status ?? 'missing';
    const row = (byScenario[scenario.name] ??= {});
    row[status] = (row[status] ?? 0) + 1;
    const payments = atRail(id);
    if (!payout || timedOut || nextPayoutStep(payout) !== 'done') {
      lost += 1;
      violations.push(`${id} (${scenario.name}, ${destination}): never ended (${status}, funds ${payout?.funds ?? '?'})`);
    }
    if (payments.length > 1) {
      duplicated += 1;
      violations.push(`${id} (${scenario.name}, ${destination}): ${payments.length} payments at the bank`);
    }
    const bankPaid = payments.some((payment) => payment.paid);
    if (bankPaid && (payout?.funds === 'released' || status === 'failed' || status === 'canceled')) {
      paidAndReleased += 1;
      violations.push(`${id} (${scenario.name}, ${destination}): paid by the bank and released (${status})`);
    }
    if (scenario.expected === 'paid' && status === 'failed') {
      releasedOnUnknown += 1;
      violations.push(`${id} (${scenario.name}, ${destination}): failed (${payout?.failure?.code}) on an unknown outcome`);
    }
    if (status !== scenario.expected) violations.push(`${id} (${scenario.name}, ${destination}): ended ${status}, expected ${scenario.expected}`);
    if (status === 'paid' && payout) ledgerPaid[payout.currency] = (ledgerPaid[payout.currency] ?? 0) + payout.amount;
    for (const payment of payments.filter((item) => item.paid)) railPaid[payment.currency] = (railPaid[payment.currency] ?? 0) + fromDecimalAmount(payment.amount, payment.currency);
  }
  const currencies = [...new Set([...Object.keys(railPaid), ...Object.keys(ledgerPaid)])].sort();
  const railVsLedger = Object.fromEntries(currencies.map((currency) => [currency, { rail: railPaid[currency] ?? 0, ledger: ledgerPaid[currency] ?? 0 }]));
  const mismatches = currencies.filter((currency) => (railPaid[currency] ?? 0) !== (ledgerPaid[currency] ?? 0));
  for (const currency of mismatches) violations.push(`${currency}: the banks paid ${railPaid[currency] ?? 0}, the ledger's paid payouts ${ledgerPaid[currency] ?? 0}`);

  const balances = await platform.balances(merchant.id);
  const reserved = reservedLeft({ reserved: balances.map((balance) => ({ currency: balance.currency, amount: balance.reserved })) });
  violations.push(...reserved.map((message) => `rail ambiguity: ${message}`));
  const ledger = await ledgerDifferences(platform.runtime.dynamoDbEndpoint);
  violations.push(...ledger.map((difference) => `ledger: ${difference}`));

  return drillResult('rail_ambiguity', started, {
    lost,
    duplicated,
    server_errors: serverErrors,
    counts: {
      payouts: plan.length,
      scenarios: AMBIGUITIES.map((scenario) => scenario.name),
      statuses_by_scenario: byScenario,
      answered_by_status: outcomes.reduce<Record<string, number>>((counts, outcome) => ({ ...counts, [outcome.answered]: (counts[outcome.answered] ?? 0) + 1 }), {}),
      paid_and_released: paidAndReleased,
      released_on_unknown: releasedOnUnknown,
      rail_vs_ledger: railVsLedger,
      rail_ledger_mismatches: mismatches.length,
      payments_at_rails: outcomes.reduce((sum, outcome) => sum + atRail(outcome.id).length, 0),
      reserved_left: reserved.length,
      ledger_differences: ledger.length,
    },
    violations: [...new Set(violations)],
  });
};
