import * as z from 'zod/mini';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { limitSchema } from '../../shared/http/schemas';
import { presentBeneficiary } from '../../shared/http/treasury-presenters';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { listBeneficiaries } from '../../use-cases/payouts/get-objects';

/** GET /v1/beneficiaries?limit=&starting_after= */
const payouts = payoutRepositoryFromEnvironment();

const query = z.strictObject({
  limit: z._default(limitSchema, 10),
  starting_after: z.optional(z.string().check(z.minLength(1, { error: 'must be a beneficiary id' }))),
});

export const handler = merchantQueryEndpoint({
  operation: 'listBeneficiaries',
  query,
  handle: async (request) => {
    const page = await listBeneficiaries(
      { payouts },
      { merchantId: request.principal.merchantId, limit: request.query.limit, startingAfter: request.query.starting_after },
    );
    return { status: 200, body: presentList(page.beneficiaries.map(presentBeneficiary), page.hasMore, '/v1/beneficiaries') };
  },
});
