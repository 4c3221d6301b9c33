import * as z from 'zod/mini';
import { DynamoDbMerchantRepository } from '../../adapters/dynamodb/merchant-repository';
import { presentRiskRules } from '../../contracts/risk-rules';
import { ResourceNotFoundError } from '../../domain/errors';
import { riskRulesOf } from '../../domain/merchant';
import { dynamoDbDocumentClient } from '../../shared/clients';
import { tableNameFromEnv } from '../../shared/config';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';

/** Operator API: GET /v1/merchants/{id}/risk_rules (ops_viewer): the merchant's risk rule set in force. */
const merchants = new DynamoDbMerchantRepository(dynamoDbDocumentClient(), tableNameFromEnv('merchants'));

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
