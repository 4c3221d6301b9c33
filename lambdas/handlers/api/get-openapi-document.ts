import { routeContracts } from '../../contracts';
import { buildOpenApiDocument } from '../../contracts/openapi';
import { wrap } from '../../shared/http/merchant-endpoint';
import { jsonResponse } from '../../shared/http/problem';
import { singleQueryParameters } from '../../shared/http/request';
import { parseOrRefuse } from '../../shared/http/validation';

/**
 * GET /v1/openapi.json: the merchant API as OpenAPI 3.1, built once per instance from the same contracts the
 * endpoints validate with, so it cannot drift from them. No API key: it holds nothing about any merchant.
 */
const document = buildOpenApiDocument();

export const handler = wrap('getOpenApiDocument', async (event) => {
  parseOrRefuse(routeContracts.getOpenApiDocument.query, singleQueryParameters(event));
  const response = jsonResponse(200, document, event.requestContext.requestId);
  return { ...response, headers: { ...response.headers, 'Cache-Control': 'public, max-age=300' } };
});
