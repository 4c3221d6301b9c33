import type { ApiKeyAccess, ApiKeyResource } from '../lambdas/domain/api-key';
import type { IdKind } from '../lambdas/domain/ids';
import { deployment } from './deployment';
import type { FunctionKey } from './functions';

/**
 * The merchant API, declared once. lib/ builds the API Gateway REST resources from it; local/ routes
 * HTTP requests with it. Routes are authorized by the merchant authorizer unless declared otherwise:
 * acquirers' webhooks and the payout rails' callbacks carry no merchant key, they are authenticated by their
 * HMAC signature, checked by the function; the OpenAPI document is public. Every resource also gets an ANY method that answers 405,
 * so a wrong method is told apart from an unknown path. Each route's request and answer schemas are its
 * contract in lambdas/contracts/ (keyed by `function`), from which the OpenAPI document is generated.
 */
/**
 * The merchant REST API's name: API Gateway's metrics carry it as the `ApiName` dimension (the alarms and
 * dashboards of platform/alarms.ts, the operator API's health route).
 */
export const merchantApiName = (): string => `${deployment.appName}-merchant-api`;

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteDeclaration {
  readonly method: HttpMethod;
  /** API Gateway resource path: literal segments and `{param}` segments. */
  readonly path: string;
  readonly function: FunctionKey;
  /**
   * Default `merchant` (secret key, through the authorizer); `signature` for acquirer webhooks; `public` for
   * what anyone may read (the OpenAPI document).
   */
  readonly auth?: 'merchant' | 'signature' | 'public';
  /**
   * The kind of id each `{param}` of `path` holds (lambdas/domain/ids.ts). The endpoint builders check
   * every path parameter against it before anything else reads it (422 `validation_error` naming the
   * parameter); test/unit/http/routes.test.ts checks that every parameter of a builder-made route has one.
   */
  readonly params?: Readonly<Record<string, IdKind>>;
  /**
   * The request starts a money movement the merchant's ledger will record (a payment, capture, refund,
   * conversion, payout or a payout's cancel): accepted only in the merchant's home region while no move is
   * under way, else 421 `wrong_region` or 409 `home_region_moving` with nothing written
   * (docs/decisions/0024-home-region-routing-and-moves.md). Its function declares `homeRegionOnly` and reads
   * the home marker (GetItem on `ledger`).
   */
  readonly moneyMovement?: boolean;
}

export const routes = [
  { method: 'POST', path: '/v1/payments', function: 'createPayment', moneyMovement: true },
  { method: 'GET', path: '/v1/payments', function: 'listPayments' },
  { method: 'GET', path: '/v1/payments/{id}', function: 'getPayment', params: { id: 'payment' } },
  { method: 'GET', path: '/v1/balances', function: 'getBalance' },
  { method: 'GET', path: '/v1/balance_transactions', function: 'listBalanceTransactions' },
  { method: 'GET', path: '/v1/reports/balance_transactions', function: 'balanceTransactionsReport' },
  { method: 'POST', path: '/v1/payments/{id}/capture', function: 'requestPaymentCapture', params: { id: 'payment' }, moneyMovement: true },
  { method: 'POST', path: '/v1/payments/{id}/cancel', function: 'requestPaymentCancel', params: { id: 'payment' } },
  { method: 'GET', path: '/v1/payments/{id}/events', function: 'listPaymentEvents', params: { id: 'payment' } },
  { method: 'POST', path: '/v1/refunds', function: 'createRefund', moneyMovement: true },
  { method: 'GET', path: '/v1/refunds', function: 'listRefunds' },
  { method: 'GET', path: '/v1/refunds/{id}', function: 'getRefund', params: { id: 'refund' } },
  { method: 'POST', path: '/v1/channel_events/{channel}', function: 'receiveChannelEvent', auth: 'signature' },
  { method: 'POST', path: '/v1/rail_events/{channel}', function: 'receivePayoutRailEvents', auth: 'signature' },
  { method: 'POST', path: '/v1/api_keys', function: 'createApiKey' },
  { method: 'GET', path: '/v1/api_keys', function: 'listApiKeys' },
  { method: 'POST', path: '/v1/api_keys/{id}/revoke', function: 'revokeApiKey', params: { id: 'api_key' } },
  { method: 'GET', path: '/v1/routing_rules', function: 'getRoutingRules' },
  { method: 'POST', path: '/v1/routing_rules', function: 'setRoutingRules' },
  { method: 'POST', path: '/v1/fx/quotes', function: 'createFxQuote' },
  { method: 'GET', path: '/v1/fx/quotes/{id}', function: 'getFxQuote', params: { id: 'fx_quote' } },
  { method: 'POST', path: '/v1/conversions', function: 'createConversion', moneyMovement: true },
  { method: 'GET', path: '/v1/conversions', function: 'listConversions' },
  { method: 'GET', path: '/v1/conversions/{id}', function: 'getConversion', params: { id: 'conversion' } },
  { method: 'POST', path: '/v1/beneficiaries', function: 'createBeneficiary' },
  { method: 'GET', path: '/v1/beneficiaries', function: 'listBeneficiaries' },
  { method: 'GET', path: '/v1/beneficiaries/{id}', function: 'getBeneficiary', params: { id: 'beneficiary' } },
  { method: 'POST', path: '/v1/payouts', function: 'createPayout', moneyMovement: true },
  { method: 'GET', path: '/v1/payouts', function: 'listPayouts' },
  { method: 'GET', path: '/v1/payouts/{id}', function: 'getPayout', params: { id: 'payout' } },
  { method: 'POST', path: '/v1/payouts/{id}/cancel', function: 'cancelPayout', params: { id: 'payout' }, moneyMovement: true },
  { method: 'POST', path: '/v1/webhook_endpoints', function: 'createWebhookEndpoint' },
  { method: 'GET', path: '/v1/webhook_endpoints', function: 'listWebhookEndpoints' },
  { method: 'GET', path: '/v1/webhook_endpoints/{id}', function: 'getWebhookEndpoint', params: { id: 'webhook_endpoint' } },
  { method: 'POST', path: '/v1/webhook_endpoints/{id}', function: 'updateWebhookEndpoint', params: { id: 'webhook_endpoint' } },
  { method: 'DELETE', path: '/v1/webhook_endpoints/{id}', function: 'deleteWebhookEndpoint', params: { id: 'webhook_endpoint' } },
  { method: 'POST', path: '/v1/webhook_endpoints/{id}/rotate_secret', function: 'rotateWebhookSecret', params: { id: 'webhook_endpoint' } },
  { method: 'GET', path: '/v1/events', function: 'listEvents' },
  { method: 'GET', path: '/v1/events/{id}', function: 'getEvent', params: { id: 'event' } },
  { method: 'GET', path: '/v1/events/{id}/deliveries', function: 'listEventDeliveries', params: { id: 'event' } },
  { method: 'POST', path: '/v1/events/{id}/redeliver', function: 'redeliverEvent', params: { id: 'event' } },
  { method: 'GET', path: '/v1/risk_rules', function: 'getRiskRules' },
  { method: 'POST', path: '/v1/risk_rules', function: 'setRiskRules' },
  { method: 'GET', path: '/v1/openapi.json', function: 'getOpenApiDocument', auth: 'public' },
] as const satisfies readonly RouteDeclaration[];

export const requiresMerchantKey = (route: RouteDeclaration): boolean => (route.auth ?? 'merchant') === 'merchant';

/** A route's first path segment after /v1 → the resource a restricted key's scope names. */
const RESOURCE_OF_SEGMENT: Readonly<Record<string, ApiKeyResource>> = {
  payments: 'payments',
  refunds: 'refunds',
  balances: 'balances',
  balance_transactions: 'balances',
  // Reports are of the balance (the balance transactions report): read with balances:read.
  reports: 'balances',
  fx: 'fx',
  conversions: 'fx',
  beneficiaries: 'beneficiaries',
  payouts: 'payouts',
  webhook_endpoints: 'webhook_endpoints',
  events: 'events',
  api_keys: 'api_keys',
  routing_rules: 'routing_rules',
  risk_rules: 'risk_rules',
};

/**
 * The scope a restricted key needs for a merchant route: its resource (from the path) and `read` for GET,
 * `write` otherwise. Derived, not declared, so no route can be added without one (test/unit/http/routes.test.ts).
 */
export const routeScope = (route: Pick<RouteDeclaration, 'method' | 'path'>): { readonly resource: ApiKeyResource; readonly access: ApiKeyAccess } => {
  const segment = route.path.split('/')[2] ?? '';
  const resource = RESOURCE_OF_SEGMENT[segment];
  if (!resource) throw new Error(`${route.method} ${route.path}: no API key resource for '/v1/${segment}' (platform/routes.ts RESOURCE_OF_SEGMENT)`);
  return { resource, access: route.method === 'GET' ? 'read' : 'write' };
};

/** The merchant routes a restricted key's scopes open, as `METHOD /path/with/*` (path parameters as `*`). */
export const routePatternsFor = (allows: (resource: ApiKeyResource, access: ApiKeyAccess) => boolean): string[] =>
  (routes as readonly RouteDeclaration[])
    .filter(requiresMerchantKey)
    .filter((route) => {
      const { resource, access } = routeScope(route);
      return allows(resource, access);
    })
    .map((route) => `${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`);

/** Routes counterparties call with their own signature (acquirers' webhooks): throttled and rate-limited apart. */
export const isCounterpartyWebhook = (route: RouteDeclaration): boolean => route.auth === 'signature';

export const authorizerFunction: FunctionKey = 'authorizeMerchant';

/**
 * How long API Gateway keeps the authorizer's answer for one Authorization value (exactly as received):
 * a merchant's requests within it cost no authorizer call and no key lookup, and a revoked key stops
 * working within it. The local gateway caches the same way (local/api-gateway.ts).
 */
export const MERCHANT_AUTHORIZER_CACHE_SECONDS = 30;
export const unknownMethodFunction: FunctionKey = 'rejectUnknownMethod';

/** The declared route of a method and resource path, if any. */
export const routeFor = (method: string, resourcePath: string): RouteDeclaration | undefined =>
  (routes as readonly RouteDeclaration[]).find((route) => route.method === method && route.path === resourcePath);

/** Methods declared for one resource path, for the 405 `Allow` header. */
export const allowedMethods = (resourcePath: string): HttpMethod[] =>
  routes.filter((route) => route.path === resourcePath).map((route) => route.method);
