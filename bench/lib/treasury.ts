import { CHECKED_IN_RATES } from '../../lambdas/adapters/fx/simulated-rate-provider';
import { toFraction } from '../../lambdas/domain/fx/decimal';
import { minorUnits } from '../../lambdas/domain/money';
import type { MerchantCredentials } from '../../local/seed';
import type { ApiClient } from './http';

/**
 * The treasury side of the benchmark's merchants: where their payouts go and how big conversions and
 * payouts are. A payout or conversion run spends only what its own card payment brought in (the payment is
 * captured, then settled by the acquirer's webhook, before anything is spent), so runs never compete for
 * funds whatever the concurrency and the mix: each spends `SPEND_SHARE` of its payment's gross amount,
 * which the net (gross − the acquirer's fee) always covers at these amounts.
 */
export const SPEND_SHARE = 0.4;

/** Funding payments per source currency (minor units): amounts a merchant's treasury would move. */
export const FUNDING_RANGES: Readonly<Record<string, { readonly min: number; readonly max: number }>> = {
  USD: { min: 5_000, max: 30_000 },
  EUR: { min: 5_000, max: 30_000 },
  GBP: { min: 4_000, max: 25_000 },
  BRL: { min: 25_000, max: 150_000 },
  JPY: { min: 7_500, max: 45_000 },
};

export const fundingAmount = (currency: string, random: () => number): number => {
  const range = FUNDING_RANGES[currency];
  if (!range) throw new Error(`no funding range for ${currency}`);
  return range.min + Math.floor(random() * (range.max - range.min + 1));
};

/** What a run spends of its payment's gross amount (minor units, at least 1). */
export const spendOf = (gross: number): number => Math.max(1, Math.floor(gross * SPEND_SHARE));

/**
 * `amount` minor units of `from` in minor units of `to` at the simulator's checked-in mid rate, rounded
 * down (exact integer arithmetic). Used to size a `source_currency` payout: the rate the platform quotes
 * differs from it by the drift (each currency at most 1.5 % from its checked-in mid, so a cross rate up
 * to about 3 %) and its spread (at most 1.4 %), so a payout sized from SPEND_SHARE of the gross needs at
 * most about 0.42 of it (test/unit/bench/treasury.test.ts checks it against the net at every funding bound).
 */
export const indicativeAmount = (amount: number, from: string, to: string): number => {
  const rates = CHECKED_IN_RATES.rates;
  const rateFrom = rates[from];
  const rateTo = rates[to];
  if (!rateFrom || !rateTo) throw new Error(`no indicative rate for ${from} or ${to}`);
  const a = toFraction(rateTo);
  const b = toFraction(rateFrom);
  const numerator = BigInt(amount) * 10n ** BigInt(minorUnits(to)) * a.numerator * b.denominator;
  const denominator = 10n ** BigInt(minorUnits(from)) * a.denominator * b.numerator;
  return Number(numerator / denominator);
};

/** A supplier a merchant pays, as POST /v1/beneficiaries takes it (valid test identifiers; names far from the sanctions list). */
export interface BeneficiarySpec {
  readonly key: string;
  readonly channel: 'meridian' | 'keystone' | 'pulse';
  readonly body: Readonly<Record<string, unknown>>;
}

export const BENEFICIARIES = {
  ach_us: {
    key: 'ach_us',
    channel: 'meridian',
    body: { name: 'Lakeside Lumber LLC', entity_type: 'company', country: 'US', currency: 'USD', bank_account: { rail: 'ach', routing_number: '021000021', account_number: '000123456789' } },
  },
  sepa_de: {
    key: 'sepa_de',
    channel: 'meridian',
    body: { name: 'Jana Novakova', entity_type: 'individual', country: 'DE', currency: 'EUR', bank_account: { rail: 'sepa', iban: 'DE89370400440532013000' } },
  },
  pix_br: {
    key: 'pix_br',
    channel: 'pulse',
    body: { name: 'Ana Souza', entity_type: 'individual', country: 'BR', currency: 'BRL', bank_account: { rail: 'pix', pix_key: '52998224725' } },
  },
  spei_mx: {
    key: 'spei_mx',
    channel: 'pulse',
    body: { name: 'Talleres Norte SA de CV', entity_type: 'company', country: 'MX', currency: 'MXN', bank_account: { rail: 'spei', clabe: '032180000118359719' } },
  },
  swift_gb: {
    key: 'swift_gb',
    channel: 'keystone',
    body: { name: 'Thames Components Ltd', entity_type: 'company', country: 'GB', currency: 'GBP', bank_account: { rail: 'swift', bic: 'NWBKGB2L', iban: 'GB82WEST12345698765432' } },
  },
  swift_sg: {
    key: 'swift_sg',
    channel: 'keystone',
    body: { name: 'Lion City Games Pte Ltd', entity_type: 'company', country: 'SG', currency: 'USD', bank_account: { rail: 'swift', bic: 'DBSSSGSG', account_number: '0721234567' } },
  },
  eft_ca: {
    key: 'eft_ca',
    channel: 'keystone',
    body: { name: 'Maple Leaf Supplies Inc.', entity_type: 'company', country: 'CA', currency: 'CAD', bank_account: { rail: 'eft_ca', institution_number: '004', transit_number: '12345', account_number: '9876543210' } },
  },
} as const satisfies Record<string, BeneficiarySpec>;

export type BeneficiaryKey = keyof typeof BENEFICIARIES;

/**
 * The payouts of the mix, taken in turn: every rail (ACH and SEPA files at Meridian, SWIFT and Canadian EFT
 * over Keystone's SOAP service, PIX and SPEI at Pulse), half paid in the balance's own currency, half
 * converted: with `source_currency` (the platform takes an HR_4 quote) or with the merchant's own quote.
 */
export interface PayoutDestination {
  readonly name: string;
  readonly beneficiary: BeneficiaryKey;
  /** The balance it is paid from (the funding payment's currency). */
  readonly source: string;
  readonly conversion: 'none' | 'source_currency' | 'quote';
}

export const PAYOUT_DESTINATIONS: readonly PayoutDestination[] = [
  // Three at a time cover the three rail channels: Meridian (files), Keystone (SOAP), Pulse (instant).
  { name: 'ach_usd', beneficiary: 'ach_us', source: 'USD', conversion: 'none' },
  { name: 'eft_cad_from_usd', beneficiary: 'eft_ca', source: 'USD', conversion: 'source_currency' },
  { name: 'pix_brl', beneficiary: 'pix_br', source: 'BRL', conversion: 'none' },
  { name: 'sepa_eur_from_gbp', beneficiary: 'sepa_de', source: 'GBP', conversion: 'source_currency' },
  { name: 'swift_gbp', beneficiary: 'swift_gb', source: 'GBP', conversion: 'none' },
  { name: 'spei_mxn_quoted_from_usd', beneficiary: 'spei_mx', source: 'USD', conversion: 'quote' },
  { name: 'sepa_eur', beneficiary: 'sepa_de', source: 'EUR', conversion: 'none' },
  { name: 'swift_usd_quoted_from_jpy', beneficiary: 'swift_sg', source: 'JPY', conversion: 'quote' },
  { name: 'pix_brl_quoted_from_eur', beneficiary: 'pix_br', source: 'EUR', conversion: 'quote' },
];

/** The conversions of the mix, taken in turn: between the currencies the merchants are paid in. */
export const CONVERSION_PAIRS: readonly { readonly sell: string; readonly buy: string }[] = [
  { sell: 'USD', buy: 'EUR' },
  { sell: 'EUR', buy: 'USD' },
  { sell: 'GBP', buy: 'EUR' },
  { sell: 'BRL', buy: 'USD' },
  { sell: 'JPY', buy: 'USD' },
  { sell: 'USD', buy: 'GBP' },
];

/**
 * What the rail does with the `ordinal`-th payout, by its reference (docs/simulators.md): mostly paid; one
 * in twenty refused by the beneficiary's bank after acceptance (`failed`, funds released), one in twenty
 * paid and then returned (`returned`, funds restored), so the compensations are part of what a payout
 * costs. With nine destinations in turn, these land on a different destination each cycle.
 */
export const payoutScenario = (ordinal: number): { readonly reference: string; readonly expected: 'paid' | 'failed' | 'returned' } => {
  if (ordinal % 20 === 7) return { reference: `BENCH ${ordinal} sim:fail:refused-by-bank`, expected: 'failed' };
  if (ordinal % 20 === 12) return { reference: `BENCH ${ordinal} sim:return:account-closed`, expected: 'returned' };
  return { reference: `BENCH ${ordinal}`, expected: 'paid' };
};

/** Beneficiaries created once per merchant and beneficiary (a merchant's one-time setup), then reused. */
export class BeneficiaryBook {
  private readonly created = new Map<string, Promise<string>>();

  constructor(private readonly api: ApiClient) {}

  get(merchant: MerchantCredentials, key: BeneficiaryKey): Promise<string> {
    const id = `${merchant.id}:${key}`;
    let found = this.created.get(id);
    if (!found) {
      found = this.api
        .call('create_beneficiary', 'POST', '/v1/beneficiaries', {
          key: merchant.api_key,
          idempotencyKey: `bench-beneficiary-${merchant.id}-${key}-${Date.now()}`,
          cause: 'payout',
          body: { ...BENEFICIARIES[key].body, metadata: { bench: key } },
        })
        .then((answer) => {
          if (answer.status !== 201) throw new Error(`create_beneficiary ${key}: ${answer.status} ${answer.text.slice(0, 200)}`);
          return answer.json.id as string;
        });
      found.catch(() => this.created.delete(id));
      this.created.set(id, found);
    }
    return found;
  }

  /** Every beneficiary of every merchant, ahead of the measured window. */
  async prepare(merchants: readonly MerchantCredentials[]): Promise<void> {
    for (const merchant of merchants) for (const key of Object.keys(BENEFICIARIES) as BeneficiaryKey[]) await this.get(merchant, key);
  }
}
