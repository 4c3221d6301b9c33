import { treasuryContracts } from '../../contracts/treasury';
import { fxRepository } from '../../wiring/fx';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentConversion } from '../../shared/http/treasury-presenters';
import { getConversion } from '../../use-cases/fx/get-fx-objects';

/** GET /v1/conversions/{id} */
const quotes = fxRepository();

export const handler = merchantQueryEndpoint({
  operation: 'getConversion',
  query: treasuryContracts.getConversion.query,
  handle: async (request) => {
    const conversion = await getConversion({ quotes }, { merchantId: request.principal.merchantId, conversionId: request.pathParameters.id ?? '' });
    return { status: 200, body: presentConversion(conversion) };
  },
});
