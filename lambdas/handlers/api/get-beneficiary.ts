import { treasuryContracts } from '../../contracts/treasury';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentBeneficiary } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';
import { getBeneficiary } from '../../use-cases/payouts/get-objects';

/** GET /v1/beneficiaries/{id} */
const payouts = payoutRepository();

export const handler = merchantQueryEndpoint({
  operation: 'getBeneficiary',
  query: treasuryContracts.getBeneficiary.query,
  handle: async (request) => {
    const beneficiary = await getBeneficiary({ payouts }, { merchantId: request.principal.merchantId, beneficiaryId: request.pathParameters.id ?? '' });
    return { status: 200, body: presentBeneficiary(beneficiary) };
  },
});
