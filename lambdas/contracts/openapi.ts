import * as z from 'zod/mini';
import { deployment } from '../../platform/deployment';
import { type RouteDeclaration, requiresMerchantKey, routes } from '../../platform/routes';
import { idShapes } from '../domain/ids';
import { type RouteContract, problemSchema } from './common';
import { currencySchema, emptyBody } from './fields';
import { type MerchantRouteFunction, namedSchemas, routeContracts } from './index';
import { jsonSchemaHintOf } from './json-schema-hints';

/**
 * The merchant API as an OpenAPI 3.1 document, generated from the route declarations (platform/routes.ts)
 * and the contracts (lambdas/contracts/*.ts) with zod's own JSON Schema output (draft 2020-12, the dialect
 * of OpenAPI 3.1). Served by `GET /v1/openapi.json` and written to docs/openapi.json by
 * `npm run openapi`; test/unit/http/openapi.test.ts fails when the two differ or a route has no contract.
 * Requests are described as they are accepted (io `input`: a field with a default is optional), answers as
 * they are written (io `output`).
 */
type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & { readonly paths: Record<string, Record<string, OperationObject>> };
export interface OperationObject {
  readonly operationId: string;
  readonly responses: Record<string, unknown>;
  readonly [key: string]: unknown;
}

const schemaRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const pascal = (name: string) => `${name[0]?.toUpperCase()}${name.slice(1)}`;

/** Keywords zod cannot produce (lambdas/contracts/json-schema-hints.ts), and nothing that only made sense standalone. */
const override = (context: { zodSchema: unknown; jsonSchema: JsonSchema }) => {
  const hint = jsonSchemaHintOf(context.zodSchema as object);
  for (const [keyword, value] of Object.entries(hint ?? {})) {
    if (value === undefined) delete context.jsonSchema[keyword];
    else context.jsonSchema[keyword] = value;
  }
};

const options = { target: 'draft-2020-12', unrepresentable: 'throw', override } as const;

const componentsOf = (registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output'): Record<string, JsonSchema> => {
  const { schemas } = z.toJSONSchema(registry, { ...options, io, uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]));
};

const standalone = (schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { ...options, io }) as JsonSchema;
  return json;
};

const problem = (description: string) => ({
  description,
  headers: { 'Request-Id': { $ref: '#/components/headers/RequestId' } },
  content: { 'application/problem+json': { schema: schemaRef('Problem') } },
});

/** Problem answers every route of a kind can give (docs/api.md, "Errors"). */
const problemResponses = {
  BadRequest: problem('`invalid_json` (the body is not a JSON object, repeats a key or nests too deep) or `idempotency_key_invalid`'),
  Unauthorized: problem('`unauthorized`: no valid secret key (or, for acquirers, no valid signature)'),
  Forbidden: problem("`api_key_scope`: a restricted key (`rk_test_`) whose scopes do not include this route, or that creates or revokes beyond what it holds"),
  NotFound: problem('`resource_not_found`: no such object for this merchant'),
  Conflict: problem(
    'The object is not in a state that allows this (`payment_not_capturable`...), `idempotency_in_progress`, or `home_region_moving` (the merchant is being moved between regions: retry after `Retry-After` seconds)',
  ),
  MisdirectedRequest: problem(
    "`wrong_region`: the merchant's payments are processed in another region (the `Home-Region` header names it); nothing was done, send the request there with the same Idempotency-Key",
  ),
  PayloadTooLarge: problem('`payload_too_large`: the body is over 64 KB'),
  ValidationError: problem('`validation_error` (each field named in `errors`), `idempotency_key_reused`, or a business refusal such as `insufficient_funds`'),
  TooManyRequests: problem('`rate_limited`: retry with exponential back-off'),
  ServerError: problem('`internal_error`, `service_unavailable` or `upstream_timeout`: retry with the same Idempotency-Key'),
};

/** The reference's sections, in the order a merchant meets them. */
const tagDescriptions: Readonly<Record<string, string>> = {
  Payments: 'Card payments: authorize, capture, cancel, and the timeline of each.',
  Refunds: 'Money back to the card of a captured payment.',
  Balances: "The merchant's funds per currency and the statement lines that moved them.",
  FX: 'Quotes at a fixed rate for a while, and conversions between balances at a quoted rate.',
  Payouts: 'Beneficiaries (bank accounts by rail) and the payouts sent to them.',
  'API keys': "The merchant's own keys: secret keys, and restricted keys limited to scopes.",
  Webhooks: 'Endpoints that receive events, signed with the Standard Webhooks scheme.',
  Events: 'Every change a merchant hears about, kept 30 days, and its delivery attempts.',
  Acquirers: 'Routes acquirers call, authenticated by their signature.',
  'Payout rails': 'Routes the payout rails call (confirmations, rejections, returns), authenticated by their signature.',
  Reference: 'This document.',
};

const responseRef = (name: keyof typeof problemResponses) => ({ $ref: `#/components/responses/${name}` });

const operationFor = (route: RouteDeclaration, contract: RouteContract, requestNames: ReadonlyMap<unknown, string>, responseNames: ReadonlyMap<unknown, string>): OperationObject => {
  const merchant = requiresMerchantKey(route);
  const command = merchant && route.method === 'POST';
  const parameters: unknown[] = [];
  for (const [name, kind] of Object.entries(route.params ?? {})) {
    parameters.push({ name, in: 'path', required: true, description: `${idShapes[kind].description}`, schema: { type: 'string', pattern: idShapes[kind].pattern.source } });
  }
  for (const [name, schema] of Object.entries(contract.path ?? {})) parameters.push({ name, in: 'path', required: true, schema: standalone(schema, 'input') });
  if (contract.query) {
    const query = standalone(contract.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
    }
  }
  if (command) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  if (merchant && route.method === 'DELETE') parameters.push({ $ref: '#/components/parameters/IdempotencyKeyOptional' });
  for (const [name, header] of Object.entries(contract.headers ?? {})) parameters.push({ name, in: 'header', required: header.required, description: header.description, schema: { type: 'string' } });

  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(contract.responses)) {
    const name = responseNames.get(response.schema);
    responses[status] = {
      description: response.description,
      headers: {
        'Request-Id': { $ref: '#/components/headers/RequestId' },
        ...(command ? { 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } } : {}),
      },
      content: {
        [response.mediaType ?? 'application/json']: { schema: name ? schemaRef(name) : standalone(response.schema, 'output') },
        ...Object.fromEntries(Object.entries(response.alternatives ?? {}).map(([mediaType, schema]) => [mediaType, { schema: standalone(schema, 'output') }])),
      },
    };
  }
  if (route.method === 'POST') responses['400'] = responseRef('BadRequest');
  if (route.auth !== 'public') responses['401'] = responseRef('Unauthorized');
  if (merchant) responses['403'] = responseRef('Forbidden');
  if (route.path.includes('{')) responses['404'] = responseRef('NotFound');
  if (command) responses['409'] = responseRef('Conflict');
  if (route.method === 'POST') responses['413'] = responseRef('PayloadTooLarge');
  if (route.moneyMovement) responses['421'] = responseRef('MisdirectedRequest');
  // Whatever validates a query or a JSON body refuses it with 422 naming the field (the acquirer webhook answers 400 instead).
  if (merchant || contract.query) responses['422'] = responseRef('ValidationError');
  responses['429'] = responseRef('TooManyRequests');
  responses['5XX'] = responseRef('ServerError');

  const body = contract.body && requestNames.get(contract.body);
  const bodyRequired = contract.body ? ((standalone(contract.body, 'input').required as unknown[] | undefined)?.length ?? 0) > 0 : false;
  return {
    operationId: route.function,
    tags: [contract.tag],
    summary: contract.summary,
    ...(contract.description ? { description: contract.description } : {}),
    ...(merchant ? {} : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: { required: bodyRequired, content: { 'application/json': { schema: schemaRef(body) } } } } : {}),
    ...(contract.rawBody
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              Object.entries(contract.rawBody).map(([mediaType, description]) => [mediaType, { schema: mediaType === 'application/json' ? { type: 'object', description } : { type: 'string', description } }]),
            ),
          },
        }
      : {}),
    responses,
  };
};

export const buildOpenApiDocument = (): OpenApiDocument => {
  const contracts: Record<MerchantRouteFunction, RouteContract> = routeContracts;
  const responseRegistry = z.registry<{ id: string }>();
  const responseNames = new Map<unknown, string>();
  for (const [id, schema] of Object.entries({ ...namedSchemas, Problem: problemSchema })) {
    responseRegistry.add(schema, { id });
    responseNames.set(schema, id);
  }
  const requestRegistry = z.registry<{ id: string }>();
  const requestNames = new Map<unknown, string>([[emptyBody, 'EmptyRequest']]);
  requestRegistry.add(emptyBody, { id: 'EmptyRequest' });
  // ~170 codes: named once rather than repeated in every request that takes a currency.
  requestRegistry.add(currencySchema, { id: 'Currency' });
  for (const route of routes) {
    const body = contracts[route.function].body;
    if (!body || requestNames.has(body)) continue;
    const id = `${pascal(route.function)}Request`;
    requestRegistry.add(body, { id });
    requestNames.set(body, id);
  }

  const paths: Record<string, Record<string, OperationObject>> = {};
  for (const route of routes as readonly RouteDeclaration[]) {
    const contract = contracts[route.function as MerchantRouteFunction];
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operationFor(route, contract, requestNames, responseNames);
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'xborder payments: merchant API',
      version: '1.0.0',
      summary: 'Card payments, refunds, balances, FX, payouts, webhooks and events for merchants.',
      description:
        'Generated from the schemas the endpoints validate with (lambdas/contracts). Every POST needs an `Idempotency-Key`; errors are RFC 9457 problem documents. The prose reference is docs/api.md.',
      license: { name: 'UNLICENSED', identifier: 'LicenseRef-UNLICENSED' },
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'The local runtime (`npm start`)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
        description: 'API Gateway, per region',
        variables: {
          apiId: { default: 'example', description: 'The REST API id (stack output)' },
          region: { default: deployment.primaryRegion, enum: [deployment.primaryRegion, deployment.secondaryRegion] },
          stage: { default: deployment.apiStageName },
        },
      },
    ],
    security: [{ merchantKey: [] }],
    tags: [...new Set(Object.values(contracts).map((contract) => contract.tag))].map((name) => ({ name, description: tagDescriptions[name] ?? name })),
    paths,
    components: {
      securitySchemes: {
        merchantKey: { type: 'http', scheme: 'bearer', description: 'A secret API key: `Authorization: Bearer sk_test_...` (`sk_live_...` in production), exactly one space.' },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: true,
          description: 'Within 24 hours the same key and request replays the first answer (`Idempotent-Replayed: true`); the same key with another request is 422 `idempotency_key_reused`.',
          schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
        },
        IdempotencyKeyOptional: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Names the command in the audit log; deleting twice answers 404 the second time.',
          schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
        },
      },
      headers: {
        RequestId: { description: "API Gateway's request id, also in the access log and in every problem document", schema: { type: 'string' } },
        IdempotentReplayed: { description: '`true` when this answer replays the first one given to the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
      },
      responses: problemResponses,
      schemas: { ...componentsOf(responseRegistry, 'output'), ...componentsOf(requestRegistry, 'input') },
    },
  };
};
