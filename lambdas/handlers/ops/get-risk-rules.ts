import * as z from 'zod/mini';
import { presentRiskRules } from '../../contracts/risk-rules';
import { ResourceNotFoundError } from '../../domain/errors';
import { riskRulesOf } from '../../domain/merchant';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { merchantRepository } from '../../wiring/merchants';

/** Operator API: GET /v1/merchants/{id}/risk_rules (ops_viewer): the merchant's risk rule set in force. */
const merchants = merchantRepository();

export const handler = operatorQueryEndpoint({
  operation: 'opsGetRiskRules',
  query: z.strictObject({}),
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const merchant = await merchants.getMerchant(merchantId);
    if (!merchant) throw new ResourceNotFoundError('merchant', merchantId);
    return { status: 200, body: presentRiskRules(merchantId, riskRulesOf(merchant), merchant.riskRules?.setAt) };
  },
});
