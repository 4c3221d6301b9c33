import * as z from 'zod/mini';
import { ENTITY_TYPES } from '../../domain/payouts/beneficiary';
import { isCountryCode } from '../../domain/payouts/countries';
import { bankAccountFingerprintView, bankAccountRefinement, bankAccountSchema, toBankAccountInput } from '../../shared/http/bank-account-schema';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { currencySchema, metadataSchema } from '../../shared/http/schemas';
import { presentBeneficiary } from '../../shared/http/treasury-presenters';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { vaultFromEnvironment } from '../../shared/vault';
import { createBeneficiary } from '../../use-cases/payouts/create-beneficiary';

/** POST /v1/beneficiaries */
const beneficiaries = payoutRepositoryFromEnvironment();
const vault = vaultFromEnvironment();

const nameMessage = 'must be 1 to 140 characters with at least one letter';
const countryMessage = 'must be an ISO 3166-1 alpha-2 country code, such as "CA"';

const body = z
  .strictObject(
    {
      name: z
        .string({ error: nameMessage })
        .check(z.minLength(1, { error: nameMessage }), z.maxLength(140, { error: nameMessage }), z.regex(/\p{L}/u, { error: nameMessage })),
      entity_type: z.enum(ENTITY_TYPES, { error: 'must be "individual" or "company"' }),
      country: z.string({ error: countryMessage }).check(z.refine(isCountryCode, { error: countryMessage })),
      currency: currencySchema,
      bank_account: bankAccountSchema,
      metadata: z._default(metadataSchema, {}),
    },
    { error: 'must be a JSON object' },
  )
  .check(bankAccountRefinement);

export const handler = merchantCommandEndpoint({
  operation: 'createBeneficiary',
  audit: { action: 'beneficiary.create' },
  body,
  fingerprintView: (request) => ({ ...request, bank_account: bankAccountFingerprintView(request.bank_account) }),
  handle: async (request) => {
    const beneficiary = await createBeneficiary(
      { beneficiaries, vault, now: () => new Date() },
      {
        merchantId: request.principal.merchantId,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint: request.requestFingerprint,
        name: request.body.name.trim(),
        entityType: request.body.entity_type,
        country: request.body.country,
        currency: request.body.currency,
        bankAccount: toBankAccountInput(request.body.bank_account),
        metadata: request.body.metadata,
      },
    );
    const presented = presentBeneficiary(beneficiary);
    return { status: 201, body: presented, change: { target: { type: 'beneficiary', id: beneficiary.id }, before: null, after: presented } };
  },
});
