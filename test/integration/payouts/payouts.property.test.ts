import fc from 'fast-check';
import { DynamoDbFxRepository } from '../../../lambdas/adapters/dynamodb/fx-repository';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { DynamoDbPayoutRepository } from '../../../lambdas/adapters/dynamodb/payout-repository';
import { DynamoDbReconciliationRepository } from '../../../lambdas/adapters/dynamodb/reconciliation-repository';
import { SimulatedRateProvider } from '../../../lambdas/adapters/fx/simulated-rate-provider';
import { DEFAULT_SPREAD_SCHEDULE } from '../../../lambdas/domain/fx/quote';
import { counter } from '../../../lambdas/domain/ledger/positions';
import type { Beneficiary } from '../../../lambdas/domain/payouts/beneficiary';
import { type Payout, cancel, decideReview, noteFailure, recordRailAnswer } from '../../../lambdas/domain/payouts/payout';
import { createConversion } from '../../../lambdas/use-cases/fx/create-conversion';
import { createFxQuote } from '../../../lambdas/use-cases/fx/create-fx-quote';
import { getBalance } from '../../../lambdas/use-cases/ledger/get-balance';
import { listBalanceTransactions } from '../../../lambdas/use-cases/ledger/list-balance-transactions';
import { createPayout } from '../../../lambdas/use-cases/payouts/create-payout';
import { changePayout } from '../../../lambdas/use-cases/payout-saga/change-payout';
import { convertPayoutFunds } from '../../../lambdas/use-cases/payout-saga/convert-payout-funds';
import { releasePayoutFunds } from '../../../lambdas/use-cases/payout-saga/release-payout-funds';
import { reservePayoutFunds } from '../../../lambdas/use-cases/payout-saga/reserve-payout-funds';
import { settlePayout } from '../../../lambdas/use-cases/payout-saga/settle-payout';
import { submitPayout } from '../../../lambdas/use-cases/payout-saga/submit-payout';
import { checkedInSanctionsList } from '../../../lambdas/adapters/screening/checked-in-sanctions-list';
import type { PayoutRailPort } from '../../../lambdas/ports/payout-rail';
import { RecordingWorkflows } from '../../support/in-memory-repositories';
import { ensureTables } from '../../../local/tables';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { RailRejectedError } from '../../../lambdas/domain/payouts/saga-errors';
import { suiteDynamoDbEndpoint } from '../../support/dynamodb';
import { fundMerchant } from '../../support/funds';
import { createLedgerHarness } from '../../support/ledger';

/**
 * Property: whatever conversions and payouts merchants make, in any currencies (0, 2 and 3 decimals),
 * whatever becomes of each payout (paid, failed before or after its conversion, canceled, returned after
 * payment), with the payout workflow's steps repeated as a retry or a restart would (the use cases, a rail
 * that takes every payment, the rail's word recorded as its messages would), the ledger stays provably
 * consistent on DynamoDB Local:
 *   - the verifier finds no difference (each transaction balances per currency; balances, positions and
 *     statement lines are exactly what the journal implies);
 *   - no merchant balance is negative, nothing stays reserved once every payout has finished;
 *   - per merchant and currency, the statement lines add up to available + pending;
 *   - a finished payout holds nothing (outstanding and converted outstanding are zero).
 * Runs: PAYOUT_PROPERTY_RUNS (default 6), seed PAYOUT_PROPERTY_SEED (fixed by default, so the outcomes
 * reached are known); each run has its own empty tables.
 */
const RUNS = Number(process.env.PAYOUT_PROPERTY_RUNS ?? 6);
const MERCHANTS = ['mer_p1', 'mer_p2'] as const;
const CURRENCIES = ['USD', 'JPY', 'KWD', 'BRL', 'CAD'] as const;

type Outcome = 'paid' | 'failed_before_conversion' | 'failed_after_conversion' | 'canceled' | 'returned';

type Operation =
  | { kind: 'fund'; merchant: number; currency: number; amount: number }
  | { kind: 'convert'; merchant: number; sell: number; buy: number; amount: number; sellFixed: boolean }
  | { kind: 'payout'; merchant: number; currency: number; source: number; amount: number; outcome: Outcome; repeatSteps: boolean };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fund' as const), merchant: fc.nat(1), currency: fc.nat(4), amount: fc.integer({ min: 1_000, max: 50_000_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('convert' as const), merchant: fc.nat(1), sell: fc.nat(4), buy: fc.nat(4), amount: fc.integer({ min: 1, max: 5_000_000 }), sellFixed: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('payout' as const),
      merchant: fc.nat(1),
      currency: fc.nat(4),
      source: fc.nat(4),
      amount: fc.integer({ min: 1, max: 3_000_000 }),
      outcome: fc.constantFrom<Outcome>('paid', 'failed_before_conversion', 'failed_after_conversion', 'canceled', 'returned'),
      repeatSteps: fc.boolean(),
    }),
  },
);

/** Refusals that are answers (not enough funds, too small to convert, same currency...), not failures. */
const ANSWERS = new Set(['InsufficientFundsError', 'AmountTooSmallToConvertError', 'FxAmountOutOfRangeError']);

/** A rail that takes every payment (what it says afterwards is recorded by the property, as a message would be). */
const takingRail: PayoutRailPort = {
  channel: 'keystone',
  railReference: (instruction) => instruction.payoutId,
  submit: async (instruction) => ({ railReference: instruction.payoutId, bankReference: `KS-${instruction.payoutId}` }),
  lookup: async () => ({ status: 'not_found' }),
};

const beneficiaryFor = (merchantId: string, currency: string): Beneficiary => ({
  id: `ben_${merchantId.replace(/_/g, '')}${currency.toLowerCase()}`.padEnd(30, 'a').slice(0, 30),
  merchantId,
  name: 'Property Supplier Ltd',
  entityType: 'company',
  country: 'CA',
  currency,
  bankAccount: { rail: 'swift', token: 'tok_property', bankCountry: 'CA', last4: '0000', bic: 'ROYCCAT2' },
  accountFingerprint: 'fp',
  metadata: {},
  createdAt: new Date().toISOString(),
  requestFingerprint: 'f',
});

it(
  'keeps the ledger balanced and verifiable through any conversions and payouts',
  async () => {
    let run = 0;
    const seen = { conversions: 0, reviewed: 0, paid: 0, returned: 0, failed: 0, canceled: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 100_000, max: 20_000_000 }), { minLength: 10, maxLength: 10 }), fc.array(operation, { minLength: 3, maxLength: 14 }), async (opening, operations) => {
        run += 1;
        const harness = await createLedgerHarness(suiteDynamoDbEndpoint());
        try {
          await ensureTables(harness.client, ['fx', 'payouts', 'merchants', 'reconciliation']);
          const reports = new DynamoDbReconciliationRepository(harness.documentClient, tableName('reconciliation'));
          const quotes = new DynamoDbFxRepository(harness.documentClient, tableName('fx'));
          const payouts = new DynamoDbPayoutRepository(harness.documentClient, tableName('payouts'), deployment.primaryRegion);
          const ledger = harness.deps;
          const rates = new SimulatedRateProvider();
          const now = () => new Date();
          // No merchant profile: the platform's payout limits.
          const merchants = new DynamoDbMerchantRepository(harness.documentClient, tableName('merchants'));
          const sagaDeps = { payouts, quotes, ledger, reports, sanctions: checkedInSanctionsList, merchants, workflows: new RecordingWorkflows(), now };
          for (const merchantId of MERCHANTS) for (const currency of CURRENCIES) await payouts.insertBeneficiary(beneficiaryFor(merchantId, currency));
          // Opening balances in every currency, so most conversions and payouts can go ahead (larger ones are refused).
          for (const [index, amount] of opening.entries()) await fundMerchant(ledger, MERCHANTS[index % 2] as string, amount, CURRENCIES[Math.floor(index / 2)] as string);
          let key = 0;
          const finished: Payout[] = [];

          for (const op of operations) {
            const merchantId = MERCHANTS[op.merchant] as string;
            key += 1;
            try {
              if (op.kind === 'fund') {
                await fundMerchant(ledger, merchantId, op.amount, CURRENCIES[op.currency] as string);
              } else if (op.kind === 'convert') {
                const sell = CURRENCIES[op.sell] as string;
                const buy = CURRENCIES[op.buy] as string;
                if (sell === buy) continue;
                const { quote } = await createFxQuote(
                  { quotes, rates, spreads: DEFAULT_SPREAD_SCHEDULE, now },
                  { merchantId, idempotencyKey: `q${run}-${key}`, requestFingerprint: 'q', sellCurrency: sell, buyCurrency: buy, amount: op.sellFixed ? { sellAmount: op.amount } : { buyAmount: op.amount }, validity: 'MIN_15' },
                );
                await createConversion({ quotes, ledger, now, inFlightMs: 30_000 }, { merchantId, idempotencyKey: `c${run}-${key}`, requestFingerprint: 'c', quoteId: quote.id });
                seen.conversions += 1;
              } else {
                const currency = CURRENCIES[op.currency] as string;
                const source = CURRENCIES[op.source] as string;
                const payout = await createPayout(
                  { payouts, quotes, quoting: { rates, spreads: DEFAULT_SPREAD_SCHEDULE }, ledger: ledger.ledger, workflows: new RecordingWorkflows(), now },
                  { merchantId, idempotencyKey: `p${run}-${key}`, requestFingerprint: 'p', beneficiaryId: beneficiaryFor(merchantId, currency).id, amount: op.amount, currency, ...(source !== currency ? { sourceCurrency: source } : {}), reference: 'property', description: null, metadata: {} },
                );
                const times = op.repeatSteps ? 2 : 1;
                const step = async (run: () => Promise<unknown>) => {
                  for (let attempt = 0; attempt < times; attempt += 1) await run();
                };
                const input = { payoutId: payout.id };
                const rail = (answer: Parameters<typeof recordRailAnswer>[1]) => changePayout(payouts, payout.id, (current) => recordRailAnswer(current, answer, now()));
                await step(() => reservePayoutFunds(sagaDeps, input));
                // Held for review (a new beneficiary, the day's total): an operator approves it, the run goes on.
                if ((await payouts.getPayout(payout.id, { consistent: true }))?.status === 'in_review') {
                  seen.reviewed += 1;
                  await changePayout(payouts, payout.id, (current) => decideReview(current, 'approve', 'op_property', null, now()));
                }
                const reserved = (await payouts.getPayout(payout.id, { consistent: true })) as Payout;
                if (reserved.status === 'failed') {
                  expect(reserved.failure?.code).toBe('insufficient_funds');
                } else if (op.outcome === 'canceled') {
                  await changePayout(payouts, payout.id, (current) => cancel(current, now()));
                  await step(() => releasePayoutFunds(sagaDeps, input));
                } else if (op.outcome === 'failed_before_conversion') {
                  // A failure noted before anything converted (an expired quote): only the reservation is undone.
                  await changePayout(payouts, payout.id, (current) => noteFailure(current, { code: 'quote_expired', message: 'expired' }, now()));
                  await step(() => releasePayoutFunds(sagaDeps, input));
                } else {
                  await step(() => convertPayoutFunds(sagaDeps, input));
                  // Half the failures after conversion are refusals at submission, half rejections the rail reports later.
                  const refusing = op.outcome === 'failed_after_conversion' && op.amount % 2 === 0;
                  const submitting: PayoutRailPort = refusing
                    ? { ...takingRail, submit: async () => Promise.reject(new RailRejectedError({ channel: 'keystone' }, { code: 'invalid_account', railCode: 'AC01', message: 'bad' })) }
                    : takingRail;
                  await step(() => submitPayout({ ...sagaDeps, vault: { revealBankAccount: async () => ({ token: 't', holderName: 'x', country: 'CA', currency }) }, rails: () => submitting }, input));
                  if (op.outcome === 'failed_after_conversion' && !refusing) await rail({ status: 'failed', failure: { code: 'no_account', message: 'no account' } });
                  if (op.outcome === 'paid' || op.outcome === 'returned') await rail({ status: 'paid' });
                  await step(() => settlePayout(sagaDeps, input));
                  if (op.outcome === 'returned') {
                    await rail({ status: 'returned', failure: { code: 'account_closed', message: 'closed' } });
                  }
                  await step(() => releasePayoutFunds(sagaDeps, input));
                }
                finished.push((await payouts.getPayout(payout.id, { consistent: true })) as Payout);
              }
            } catch (error) {
              if (!ANSWERS.has((error as Error).name)) throw error;
            }
          }

          const report = await harness.verify();
          expect(report.differences).toEqual([]);
          for (const merchantId of MERCHANTS) {
            const balances = await getBalance({ ledger: ledger.ledger }, { merchantId });
            const lines = (await listBalanceTransactions({ ledger: ledger.ledger }, { merchantId, limit: 100 })).lines;
            for (const balance of balances) {
              expect(balance.available).toBeGreaterThanOrEqual(0);
              expect(balance.pending).toBeGreaterThanOrEqual(0);
              expect(balance.reserved).toBe(0);
              const nets = lines.filter((line) => line.currency === balance.currency).reduce((sum, line) => sum + line.net, 0);
              expect(nets).toBe(balance.available + balance.pending);
            }
          }
          // Every payout the rail paid (returned ones too: the bank debited them, then credited the return) has
          // the debit the bank statement must show, once, for what reached the beneficiary (decision 0043).
          const days = [new Date(Date.now() - 86_400_000), new Date()].map((at) => at.toISOString().slice(0, 10));
          const debits = new Map<string, { amount: number; currency: string }>();
          for (const currency of CURRENCIES) for (const day of days) for (const debit of await reports.listPayoutDebits(currency, day)) debits.set(debit.payoutId, debit);
          for (const payout of finished) {
            const debit = debits.get(payout.id);
            if (payout.status === 'paid' || payout.status === 'returned') expect(debit).toMatchObject({ amount: payout.amount, currency: payout.currency });
            else expect(debit).toBeUndefined();
          }
          for (const payout of finished) {
            if (payout.status !== 'pending') seen[payout.status as 'paid' | 'returned' | 'failed' | 'canceled'] += 1;
            const position = await ledger.ledger.getPosition(payout.id);
            expect(position ? counter(position, 'outstanding') + counter(position, 'convertedOutstanding') : 0).toBe(0);
            expect(['paid', 'failed', 'canceled', 'returned']).toContain(payout.status);
          }
        } finally {
          harness.close();
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.PAYOUT_PROPERTY_SEED ?? 20_261_121) },
    );
    // The generator must reach every outcome, or the property proves less than it says.
    expect(Object.entries(seen).filter(([, count]) => count === 0)).toEqual([]);
  },
  600_000,
);
