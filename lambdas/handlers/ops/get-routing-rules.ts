import { presentRoutingRules } from '../../contracts/routing-rules';
import { noQuery } from '../../contracts/fields';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { readRoutingRules } from '../../use-cases/routing-rules';
import { merchantRepository } from '../../wiring/merchants';

/** Operator API: GET /v1/merchants/{id}/routing_rules (ops_viewer): the merchant's routing rules in force. */
const merchants = merchantRepository();

export const handler = operatorQueryEndpoint({
  operation: 'opsGetRoutingRules',
  query: noQuery,
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    return { status: 200, body: presentRoutingRules(merchantId, await readRoutingRules({ merchants }, merchantId)) };
  },
});
