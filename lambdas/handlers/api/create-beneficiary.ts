import { treasuryContracts } from '../../contracts/treasury';
import { bankAccountFingerprintView, toBankAccountInput } from '../../shared/http/bank-account-schema';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentBeneficiary } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';
import { vaultFromEnvironment } from '../../wiring/vault';
import { createBeneficiary, vaultDetails } from '../../use-cases/payouts/create-beneficiary';

/** POST /v1/beneficiaries */
const beneficiaries = payoutRepository();
const vault = vaultFromEnvironment();

const body = treasuryContracts.createBeneficiary.body;

export const handler = merchantCommandEndpoint({
  operation: 'createBeneficiary',
  audit: { action: 'beneficiary.create' },
  body,
  fingerprintView: (request) => ({ ...request, bank_account: bankAccountFingerprintView(request.bank_account) }),
  // The account's keyed fingerprint, as the vault keeps it: a corrected account with the same last4 is another request.
  keyedFingerprint: (request) => vault.fingerprint(vaultDetails(toBankAccountInput(request.bank_account), request.name.trim(), request.currency)),
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
