import type { routes } from '../../platform/routes';
import { accessContracts, accessSchemas } from './access';
import type { RouteContract } from './common';
import { paymentContracts, paymentSchemas } from './payments';
import { platformContracts, platformSchemas } from './platform';
import { routingRuleContracts, routingRuleSchemas } from './routing-rules';
import { riskRuleContracts, riskRuleSchemas } from './risk-rules';
import { treasuryContracts, treasurySchemas } from './treasury';
import { webhookContracts, webhookSchemas } from './webhooks';

/**
 * The contract of every merchant API route, by the function platform/routes.ts routes it to. A route
 * declared there without an entry here does not compile (`satisfies` below) and fails
 * test/unit/http/openapi.test.ts with its method and path; so does an entry without a schema for its
 * request and a 2xx answer.
 */
export type MerchantRouteFunction = (typeof routes)[number]['function'];

export const routeContracts = {
  ...paymentContracts,
  ...treasuryContracts,
  ...accessContracts,
  ...webhookContracts,
  ...platformContracts,
  ...routingRuleContracts,
  ...riskRuleContracts,
} as const satisfies Record<MerchantRouteFunction, RouteContract>;

/** Response objects shown under their own name in the document (components/schemas), so clients get named types. */
export const namedSchemas = {
  ...paymentSchemas,
  ...treasurySchemas,
  ...accessSchemas,
  ...webhookSchemas,
  ...platformSchemas,
  ...routingRuleSchemas,
  ...riskRuleSchemas,
};
