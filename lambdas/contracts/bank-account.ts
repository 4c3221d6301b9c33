import * as z from 'zod/mini';
import { PIX_KEY_TYPES, compact } from '../domain/payouts/bank-identifiers';
import { type BankAccountInput, bankAccountProblems } from '../domain/payouts/bank-account';
import { PAYOUT_RAILS } from '../domain/payouts/beneficiary';

/**
 * The `bank_account` of POST /v1/beneficiaries: one shape per rail (the `rail` field decides), strings
 * only (leading zeros matter), checked against the rail's check digits and the beneficiary's currency by
 * the domain (domain/payouts/bank-account.ts) so each problem names its field.
 */
const text = (max: number) =>
  z.string({ error: 'must be a string' }).check(z.minLength(1, { error: 'is required' }), z.maxLength(max, { error: `must be at most ${max} characters` }));

export const bankAccountSchema = z.discriminatedUnion(
  'rail',
  [
    z.strictObject({
      rail: z.literal('ach'),
      routing_number: text(9),
      account_number: text(17),
      account_type: z._default(z.enum(['checking', 'savings'], { error: 'must be "checking" or "savings"' }), 'checking'),
    }),
    z.strictObject({ rail: z.literal('sepa'), iban: text(42), bic: z.optional(text(14)) }),
    z.strictObject({ rail: z.literal('spei'), clabe: text(18) }),
    z.strictObject({ rail: z.literal('pix'), pix_key: text(77), pix_key_type: z.optional(z.enum(PIX_KEY_TYPES, { error: `must be one of ${PIX_KEY_TYPES.join(', ')}` })) }),
    z.strictObject({ rail: z.literal('eft_ca'), institution_number: text(3), transit_number: text(5), account_number: text(12) }),
    z.strictObject({ rail: z.literal('swift'), bic: text(14), iban: z.optional(text(42)), account_number: z.optional(text(34)) }),
  ],
  { error: `must be an object whose rail is one of ${PAYOUT_RAILS.join(', ')}` },
);

export type BankAccountBody = z.infer<typeof bankAccountSchema>;

export const toBankAccountInput = (account: BankAccountBody): BankAccountInput => {
  switch (account.rail) {
    case 'ach':
      return { rail: 'ach', routingNumber: account.routing_number, accountNumber: account.account_number, accountType: account.account_type };
    case 'sepa':
      return { rail: 'sepa', iban: account.iban, ...(account.bic !== undefined ? { bic: account.bic } : {}) };
    case 'spei':
      return { rail: 'spei', clabe: account.clabe };
    case 'pix':
      return { rail: 'pix', pixKey: account.pix_key, ...(account.pix_key_type !== undefined ? { pixKeyType: account.pix_key_type } : {}) };
    case 'eft_ca':
      return { rail: 'eft_ca', institutionNumber: account.institution_number, transitNumber: account.transit_number, accountNumber: account.account_number };
    case 'swift':
      return {
        rail: 'swift',
        bic: account.bic,
        ...(account.iban !== undefined ? { iban: account.iban } : {}),
        ...(account.account_number !== undefined ? { accountNumber: account.account_number } : {}),
      };
  }
};

/** Cross-field and check-digit validation for a body holding `currency` and `bank_account`. */
export const bankAccountRefinement = z.superRefine((body: { currency: string; bank_account: BankAccountBody }, context) => {
  for (const problem of bankAccountProblems(toBankAccountInput(body.bank_account), body.currency)) {
    context.addIssue({ code: 'custom', message: problem.message, path: problem.field.split('.'), input: body });
  }
});

/**
 * What of a bank account identifies the request (for the Idempotency-Key check): the rail, the public
 * bank identifiers and the last 4 characters, never the account number, IBAN, CLABE or PIX key.
 */
export const bankAccountFingerprintView = (account: BankAccountBody): Record<string, unknown> => {
  const last4 = (value: string | undefined) => (value === undefined ? undefined : compact(value).slice(-4));
  switch (account.rail) {
    case 'ach':
      return { rail: account.rail, routing_number: account.routing_number, account_type: account.account_type, last4: last4(account.account_number) };
    case 'sepa':
      return { rail: account.rail, bic: account.bic, last4: last4(account.iban), country: compact(account.iban).slice(0, 2) };
    case 'spei':
      return { rail: account.rail, bank_code: account.clabe.slice(0, 3), last4: last4(account.clabe) };
    case 'pix':
      return { rail: account.rail, pix_key_type: account.pix_key_type, last4: last4(account.pix_key) };
    case 'eft_ca':
      return { rail: account.rail, institution_number: account.institution_number, transit_number: account.transit_number, last4: last4(account.account_number) };
    case 'swift':
      return { rail: account.rail, bic: account.bic, last4: last4(account.iban ?? account.account_number) };
  }
};
