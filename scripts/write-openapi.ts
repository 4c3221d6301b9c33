import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../lambdas/contracts/openapi';

/** `npm run openapi`: writes docs/openapi.json, the document GET /v1/openapi.json serves (test/unit/http/openapi.test.ts checks it is current). */
export const OPENAPI_PATH = 'docs/openapi.json';
export const openApiText = (): string => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(OPENAPI_PATH, openApiText());
  console.log(`wrote ${OPENAPI_PATH}`);
}
