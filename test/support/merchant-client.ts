import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import createClient, { type Middleware } from 'openapi-fetch';
import { e2eApiUrl } from './e2e';
import type { paths } from './merchant-api';
import { openApiViolations } from './openapi-responses';

/**
 * The typed merchant client: openapi-fetch over the types openapi-typescript generates from docs/openapi.json
 * (`npm run openapi`), so a request the document does not allow does not compile and every answer is typed
 * by its schema. Like the untyped `api()` (test/support/e2e.ts), each answer is checked against the document
 * at run time and recorded for the leak scan.
 */
const conformance: Middleware = {
  async onResponse({ request, response }) {
    const text = await response.clone().text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const path = new URL(request.url).pathname;
    const stateDir = process.env.E2E_STATE_DIR;
    if (stateDir) appendFileSync(join(stateDir, 'responses.ndjson'), `${JSON.stringify({ method: request.method, path, status: response.status, body: text })}\n`);
    const violations = openApiViolations({ method: request.method, path, status: response.status, contentType: response.headers.get('content-type'), json });
    if (violations.length) throw new Error(`The answer departs from docs/openapi.json:\n${violations.join('\n')}\nBody: ${text.slice(0, 2000)}`);
    return response;
  },
};

export const merchantClient = (apiKey: string) => {
  const client = createClient<paths>({ baseUrl: e2eApiUrl(), headers: { Authorization: `Bearer ${apiKey}` } });
  client.use(conformance);
  return client;
};
