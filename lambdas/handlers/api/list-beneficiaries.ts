import { treasuryContracts } from '../../contracts/treasury';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { presentBeneficiary } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';
import { listBeneficiaries } from '../../use-cases/payouts/get-objects';

/** GET /v1/beneficiaries?limit=&starting_after=&ending_before=&created[gte|gt|lte|lt]= (docs/api.md, "Lists") */
const payouts = payoutRepository();

const query = treasuryContracts.listBeneficiaries.query;

export const handler = merchantQueryEndpoint({
  operation: 'listBeneficiaries',
  query,
  handle: async (request) => {
    const page = await listBeneficiaries(
      { payouts },
      listRequestOf(request.principal.merchantId, request.query),
    );
    return { status: 200, body: presentList(page.beneficiaries.map(presentBeneficiary), page.hasMore, '/v1/beneficiaries') };
  },
});
