import { WRITE_OPERATIONS, capacityDelta } from '../lib/capacity-proxy';
import { pool } from '../lib/http';
import type { BenchPlatform } from '../lib/platform';
import { type DrillResult, drillResult, operatorFetch } from './common';
import { type BadRequest, badRequests, coverageOf } from './malformed-cases';

/**
 * Malformed input: `requests` bad requests generated from the seed and the route declarations
 * (bench/drills/malformed-cases.ts) sent to the running platform, merchant and operator APIs: every path
 * id, query and body broken one way at a time (3,000-character and unicode ids, `__proto__`, deep nesting,
 * huge numbers, repeated keys, missing fields...), bad keys, unsigned calls, unknown routes and methods,
 * forged webhooks. Every answer must be the 4xx problem document its case expects (naming the field where
 * one is at fault): 0 answers 5xx, none accepted; and DynamoDB must see no write at all while they run
 * (counted by the capacity proxy, every table). Every declared route and every id must be covered.
 */
export { type BadRequest, badRequests } from './malformed-cases';

const send = async (platform: BenchPlatform, request: BadRequest): Promise<Response> => {
  if (request.api === 'merchant') {
    return fetch(`${platform.runtime.apiUrl}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
  }
  return operatorFetch(platform, request.signAs, request.method, request.path, request.body, request.headers);
};

/** What is wrong with an answer to a bad request, if anything. */
export const judgeAnswer = (request: BadRequest, status: number, contentType: string, body: string): string | undefined => {
  if (status >= 500) return `${status}`;
  if (status < 400) return `accepted (${status})`;
  if (!contentType.startsWith('application/problem+json')) return `${status} answered ${contentType || 'without a content type'}, not a problem document`;
  if (!request.expect.status.includes(status)) return `${status}, expected ${request.expect.status.join(' or ')}: ${body.slice(0, 200)}`;
  const field = request.expect.field;
  if (field !== undefined) {
    let fields: string[] = [];
    try {
      fields = ((JSON.parse(body) as { errors?: { field: string }[] }).errors ?? []).map((error) => error.field);
    } catch {
      // Not JSON: no fields named.
    }
    // A union or object-level rule may name the parent, or the failing leaf below it.
    const names = fields.some((candidate) => candidate === field || candidate.startsWith(`${field}.`) || field.startsWith(`${candidate}.`));
    if (!names) return `${status} without naming ${JSON.stringify(field.slice(0, 60))} (named ${JSON.stringify(fields.map((candidate) => candidate.slice(0, 60)))})`;
  }
  return undefined;
};

export const malformedInputDrill = async (platform: BenchPlatform, options: { requests: number; seed: number; concurrency: number }): Promise<DrillResult> => {
  const started = Date.now();
  const apiKey = platform.runtime.merchants[0]?.api_key as string;
  const requests = badRequests(apiKey, { count: options.requests, seed: options.seed });
  const coverage = coverageOf(requests);
  await platform.waitForQuiescence(60_000);
  const before = (await platform.counters()).dynamoDb;
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const violations: string[] = [];
  let serverErrors = 0;
  let accepted = 0;
  let notProblemJson = 0;
  let unexpected = 0;
  await pool(requests, options.concurrency, async (request) => {
    const family = request.kind.split('.').slice(0, 2).join('.');
    byKind[family] = (byKind[family] ?? 0) + 1;
    const described = `${request.kind} ${request.api} ${request.method} ${request.path.slice(0, 80)} body ${(request.body ?? '').slice(0, 100)}`;
    let status: number;
    let contentType = '';
    let text = '';
    try {
      const response = await send(platform, request);
      status = response.status;
      contentType = response.headers.get('content-type') ?? '';
      text = await response.text();
    } catch (error) {
      violations.push(`no answer (${(error as Error).message}): ${described}`);
      return;
    }
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const wrong = judgeAnswer(request, status, contentType, text);
    if (wrong === undefined) return;
    if (status >= 500) serverErrors += 1;
    else if (status < 400) accepted += 1;
    else if (!contentType.startsWith('application/problem+json')) notProblemJson += 1;
    else unexpected += 1;
    violations.push(`${wrong}: ${described}`);
  });
  // Anything these requests made the platform write would be in flight for a moment at most.
  await platform.waitForQuiescence(30_000);
  const delta = capacityDelta(before, (await platform.counters()).dynamoDb);
  const writes: Record<string, number> = {};
  for (const [table, usage] of Object.entries(delta)) {
    for (const operation of WRITE_OPERATIONS) {
      const count = usage.requests[operation] ?? 0;
      if (count) writes[`${table} ${operation}`] = count;
    }
  }
  const writeCount = Object.values(writes).reduce((sum, count) => sum + count, 0);
  if (writeCount > 0) violations.push(`DynamoDB saw ${writeCount} write(s) during the drill: ${JSON.stringify(writes)}`);
  if (coverage.missing.length) violations.push(`not covered with ${requests.length} requests (raise --malformed-requests): ${coverage.missing.join('; ')}`);
  return drillResult('malformed_input', started, {
    lost: 0,
    duplicated: 0,
    server_errors: serverErrors,
    counts: {
      requests: requests.length,
      seed: options.seed,
      by_status: byStatus,
      by_kind: byKind,
      accepted,
      not_problem_json: notProblemJson,
      unexpected_answers: unexpected,
      dynamodb_writes: writeCount,
      dynamodb_writes_by_table: writes,
      coverage: { routes: coverage.routes, routes_covered: coverage.routes_covered, route_families: coverage.family_pairs, route_families_covered: coverage.family_pairs_covered },
    },
    violations,
  });
};
