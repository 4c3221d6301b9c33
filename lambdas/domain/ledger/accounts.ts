/**
 * Ledger accounts: what each kind holds, which side increases it, and the rule its balance obeys. One
 * account exists per kind, currency and owner (a merchant, a channel, or the platform); accounts are
 * opened implicitly by their first entry. Only merchant accounts have balance items, written with the
 * journal (balances.ts); platform and channel balances are derived from the journal
 * (docs/decisions/0013-ledger-lean-postings.md).
 *
 * Sign convention: an account's `balance` is counted on its normal side, so a healthy balance is
 * positive. Credit-normal accounts (what the platform owes: merchant funds, revenue) grow with credits;
 * debit-normal accounts (what the platform is owed or holds: receivables, cash) grow with debits.
 */
export type EntrySide = 'debit' | 'credit';

export const ACCOUNT_TYPES = [
  'merchant_pending',
  'merchant_available',
  'merchant_reserved',
  'platform_fee_revenue',
  'platform_fx_revenue',
  'channel_receivable',
  'channel_clearing',
  'fx_position',
  'platform_acquirer_fees',
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export type AccountOwnerKind = 'merchant' | 'channel' | 'platform';

export interface AccountRule {
  readonly description: string;
  readonly owner: AccountOwnerKind;
  readonly normalSide: EntrySide;
  /**
   * TigerBeetle's `debits_must_not_exceed_credits` (or the mirror for a debit-normal account): an entry
   * that would take the balance below zero is refused. Enforced per balance shard by a condition
   * expression in the posting's own DynamoDB transaction (docs/decisions/0013-ledger-lean-postings.md).
   */
  readonly nonNegative: boolean;
}

export const ACCOUNT_RULES: Readonly<Record<AccountType, AccountRule>> = {
  merchant_pending: {
    description: "Merchant funds captured but not yet settled by the channel",
    owner: 'merchant',
    normalSide: 'credit',
    nonNegative: true,
  },
  merchant_available: {
    description: 'Merchant funds settled and free to pay out or refund from',
    owner: 'merchant',
    normalSide: 'credit',
    nonNegative: true,
  },
  merchant_reserved: {
    description: 'Merchant funds held for a payout in flight',
    owner: 'merchant',
    normalSide: 'credit',
    nonNegative: true,
  },
  platform_fee_revenue: {
    description: 'Processing fees the platform earned',
    owner: 'platform',
    normalSide: 'credit',
    nonNegative: false,
  },
  channel_receivable: {
    description: 'Captured amounts a channel (acquirer, bank) owes the platform until it settles',
    owner: 'channel',
    normalSide: 'debit',
    // A refund netted against a channel's next settlement may briefly exceed what it owes: allowed.
    nonNegative: false,
  },
  channel_clearing: {
    description: 'Cash the platform holds at a channel: settlements in, refunds and payouts out',
    owner: 'channel',
    normalSide: 'debit',
    nonNegative: false,
  },
  platform_fx_revenue: {
    description: 'FX spread the platform earned on conversions (the client rate against mid), in the bought currency',
    owner: 'platform',
    normalSide: 'credit',
    nonNegative: false,
  },
  platform_acquirer_fees: {
    // Booked from the acquirers' settlement reports (decision 0018): what they kept of each batch.
    description: 'Fees acquirers kept at settlement (interchange, scheme and their own): the platform’s processing cost',
    owner: 'platform',
    normalSide: 'debit',
    nonNegative: false,
  },
  fx_position: {
    // Credit-normal so that a positive balance reads "the platform is long this currency": a conversion
    // credits the position in the currency the merchant sold and debits it in the currency it bought.
    description: 'The platform’s open position in a currency from conversions (both legs of an FX trade); positive = long',
    owner: 'platform',
    normalSide: 'credit',
    nonNegative: false,
  },
};

export interface AccountRef {
  readonly type: AccountType;
  readonly currency: string;
  /** The merchant id for merchant accounts, the channel id for channel accounts, 'platform' otherwise. */
  readonly owner: string;
}

export const PLATFORM_OWNER = 'platform';

export const merchantAccount = (
  type: 'merchant_pending' | 'merchant_available' | 'merchant_reserved',
  merchantId: string,
  currency: string,
): AccountRef => ({ type, currency, owner: merchantId });

export const channelAccount = (type: 'channel_receivable' | 'channel_clearing', channel: string, currency: string): AccountRef => ({
  type,
  currency,
  owner: channel,
});

export const platformAccount = (type: 'platform_fee_revenue' | 'platform_fx_revenue' | 'fx_position' | 'platform_acquirer_fees', currency: string): AccountRef => ({
  type,
  currency,
  owner: PLATFORM_OWNER,
});

/** Stable text id of an account, e.g. `merchant_available:mer_123:USD`; `:` never occurs in the parts. */
export const accountKey = (account: AccountRef): string => `${account.type}:${account.owner}:${account.currency}`;

export const parseAccountKey = (key: string): AccountRef => {
  const [type, owner, currency, ...rest] = key.split(':');
  if (!type || !owner || !currency || rest.length > 0 || !(ACCOUNT_TYPES as readonly string[]).includes(type)) {
    throw new RangeError(`Not an account key: '${key}'`);
  }
  return { type: type as AccountType, owner, currency };
};

/** How an entry moves an account's normal-side balance: +amount on the normal side, -amount otherwise. */
export const signedEffect = (type: AccountType, side: EntrySide, amount: number): number =>
  ACCOUNT_RULES[type].normalSide === side ? amount : -amount;
