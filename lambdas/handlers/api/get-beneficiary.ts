import { treasuryContracts } from '../../contracts/treasury';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentBeneficiary } from '../../shared/http/treasury-presenters';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { getBeneficiary } from '../../use-cases/payouts/get-objects';

/** GET /v1/beneficiaries/{id} */
const payouts = payoutRepositoryFromEnvironment();

export const handler = merchantQueryEndpoint({
  operation: 'getBeneficiary',
  query: treasuryContracts.getBeneficiary.query,
  handle: async (request) => {
    const beneficiary = await getBeneficiary({ payouts }, { merchantId: request.principal.merchantId, beneficiaryId: request.pathParameters.id ?? '' });
    return { status: 200, body: presentBeneficiary(beneficiary) };
  },
});
