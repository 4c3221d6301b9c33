import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { type MerchantRouteFunction, routeContracts } from '../../../lambdas/contracts';
import type { RouteContract } from '../../../lambdas/contracts/common';
import { buildOpenApiDocument } from '../../../lambdas/contracts/openapi';
import { type RouteDeclaration, routes } from '../../../platform/routes';
import { CLIENT_TYPES_PATH, OPENAPI_PATH, clientTypesText, openApiText } from '../../../scripts/write-openapi';

/**
 * The OpenAPI document is generated from the contracts (lambdas/contracts) the endpoints validate with:
 * every route has one, the committed docs/openapi.json is what the code generates, and a third-party linter
 * (Redocly's recommended rules) finds no error in it.
 */
const contracts: Partial<Record<string, RouteContract>> = routeContracts;
const declared = routes as readonly RouteDeclaration[];

describe('route contracts', () => {
  it.each(declared.map((route) => [`${route.method} ${route.path}`, route] as const))('%s has a contract with its request and answer schemas', (name, route) => {
    const contract = contracts[route.function];
    if (!contract) {
      throw new Error(`${name} (function ${route.function}) has no contract: add an entry '${route.function}' with its request and response schemas to a module of lambdas/contracts/ and spread it into routeContracts (lambdas/contracts/index.ts)`);
    }
    const successes = Object.keys(contract.responses).map(Number).filter((status) => status >= 200 && status < 300);
    expect({ route: name, successResponses: successes.length > 0 }).toEqual({ route: name, successResponses: true });
    if (route.method === 'POST') expect({ route: name, body: contract.body !== undefined || contract.rawBody !== undefined }).toEqual({ route: name, body: true });
    if (route.method === 'GET') expect({ route: name, query: contract.query !== undefined }).toEqual({ route: name, query: true });
  });

  it('has no contract for a route that does not exist', () => {
    const functions = new Set(declared.map((route) => route.function));
    expect(Object.keys(routeContracts).filter((key) => !functions.has(key as MerchantRouteFunction))).toEqual([]);
  });

  it('is where every merchant handler takes its request schema from (no handler defines one of its own)', () => {
    const directory = 'lambdas/handlers/api';
    const ownSchemas = readdirSync(directory).filter((file) => /\bz\.(strictObject|object|looseObject)\(/.test(readFileSync(join(directory, file), 'utf8')));
    expect(ownSchemas).toEqual([]);
  });
});

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('describes every declared route and nothing else', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(declared.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('is committed as docs/openapi.json, as generated (run `npm run openapi` after changing a contract or a route)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8') === openApiText()).toBe(true);
  });

  it('has its client types (openapi-typescript) committed as generated from it', async () => {
    expect(readFileSync(CLIENT_TYPES_PATH, 'utf8') === (await clientTypesText())).toBe(true);
  });

  it("passes Redocly's recommended lint rules with no error", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: openApiText(), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((problem) => problem.severity === 'error').map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });

  it('asks for the merchant key everywhere but on acquirer webhooks, payout rail callbacks and itself', () => {
    const open = Object.values(document.paths).flatMap((item) => Object.values(item)).filter((operation) => Array.isArray(operation.security) && (operation.security as unknown[]).length === 0);
    expect(open.map((operation) => operation.operationId).sort()).toEqual(['getOpenApiDocument', 'receiveChannelEvent', 'receivePayoutRailEvents']);
  });
});
