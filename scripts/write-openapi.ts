import { writeFileSync } from 'node:fs';
import openapiTS from 'openapi-typescript';
import { buildOpenApiDocument } from '../lambdas/contracts/openapi';

/**
 * `npm run openapi`: writes docs/openapi.json, the document GET /v1/openapi.json serves, and the TypeScript
 * types openapi-typescript generates from it (test/support/merchant-api.d.ts) for the typed client the e2e
 * tests use with openapi-fetch. test/unit/http/openapi.test.ts checks both are current.
 */
export const OPENAPI_PATH = 'docs/openapi.json';
export const CLIENT_TYPES_PATH = 'test/support/merchant-api.d.ts';

export const openApiText = (): string => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

/** openapi-typescript 6: its output is text (version 7 needs TypeScript 5's compiler API, which TypeScript 7 does not ship). */
export const clientTypesText = async (): Promise<string> => openapiTS(JSON.parse(openApiText()));

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(OPENAPI_PATH, openApiText());
  writeFileSync(CLIENT_TYPES_PATH, await clientTypesText());
  console.log(`wrote ${OPENAPI_PATH} and ${CLIENT_TYPES_PATH}`);
}
