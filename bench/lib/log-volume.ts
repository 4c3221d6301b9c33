import { randomBytes, randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { routes } from '../../platform/routes';

/**
 * What a payment would write to CloudWatch Logs in AWS, measured where it can be and modeled from the
 * documented formats where it cannot:
 * - function logs and metrics (measured): every line the handlers write locally, at the level AWS runs
 *   them (INFO, lib/constructs/platform-function.ts) and with Powertools metrics on (EMF lines are logs);
 * - Lambda platform records (modeled): `platform.start` and `platform.report` per invocation, JSON format,
 *   as far as the functions' system log level lets them through (`platformRecordsKept`);
 * - API Gateway access logs (modeled): the stage's JSON access-log format per request;
 * - Step Functions (measured from the histories): every history event at level ALL without execution
 *   data, in the CloudWatch record shape Step Functions writes;
 * - WAF logs (modeled): a record in the documented WAF log format, headers as sent, for each request the
 *   web ACL's logging filter keeps (`wafLoggingKeeps`, with the filter merchant-api-firewall.ts declares).
 */
export interface StreamCounts {
  bytes: number;
  events: number;
}

export interface OutputCapture {
  /** Count what is written while on. */
  setCounting(on: boolean): void;
  readonly functionLogs: StreamCounts;
  readonly metrics: StreamCounts;
  readonly other: StreamCounts;
  /** The last lines that were neither (runtime errors, simulator messages), newest last. */
  readonly otherSample: string[];
  restore(): void;
}

type Classification = 'function' | 'metrics' | 'other';

/** A line the handlers wrote (Powertools JSON, or the emulator's stand-in for Lambda's own error record), EMF metrics, or else. */
export const classifyOutputLine = (line: string): Classification => {
  if (!line.startsWith('{')) return 'other';
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    if ('_aws' in record) return 'metrics';
    if ('simulator' in record) return 'other';
    // Powertools' record (lambdas/shared/powertools.ts): level, message and time; or Lambda's own error record (`function`).
    if (typeof record.level === 'string' && ((typeof record.message === 'string' && typeof record.timestamp === 'string') || 'function' in record)) return 'function';
  } catch {
    // not JSON
  }
  return 'other';
};

/**
 * Takes over process.stdout and process.stderr: lines are counted (when on) and swallowed; the harness
 * prints its own progress with `say` (straight to the file descriptor). Output of the local runtime that
 * is neither function logs nor metrics is kept (a sample) for the report.
 */
export const captureProcessOutput = (
  options: {
    echoOther?: boolean;
    /** Told of every counted function-log or metrics line as it is written (in the writer's async context: the operation tracker attributes it). */
    onCountedLine?: (kind: 'function' | 'metrics', bytes: number) => void;
  } = {},
): OutputCapture => {
  const counts = { functionLogs: { bytes: 0, events: 0 }, metrics: { bytes: 0, events: 0 }, other: { bytes: 0, events: 0 } };
  const otherSample: string[] = [];
  let counting = false;
  const partial = { stdout: '', stderr: '' };
  const originals = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
  const consume = (stream: 'stdout' | 'stderr', chunk: unknown, encoding?: unknown) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    const lines = (partial[stream] + text).split('\n');
    partial[stream] = lines.pop() ?? '';
    for (const line of lines) {
      if (line.length === 0) continue;
      const kind = classifyOutputLine(line);
      if (kind === 'other') {
        otherSample.push(line.slice(0, 2000));
        if (otherSample.length > 50) otherSample.shift();
        if (options.echoOther) originals.stderr(`${line}\n`);
      }
      if (!counting) continue;
      const target = kind === 'function' ? counts.functionLogs : kind === 'metrics' ? counts.metrics : counts.other;
      const bytes = Buffer.byteLength(line) + 1;
      target.bytes += bytes;
      target.events += 1;
      if (kind !== 'other') options.onCountedLine?.(kind, bytes);
    }
  };
  const patch = (stream: 'stdout' | 'stderr') =>
    ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      consume(stream, chunk, encoding);
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = patch('stdout');
  process.stderr.write = patch('stderr');
  return {
    setCounting: (on) => {
      counting = on;
    },
    ...counts,
    otherSample,
    restore: () => {
      process.stdout.write = originals.stdout as typeof process.stdout.write;
      process.stderr.write = originals.stderr as typeof process.stderr.write;
    },
  };
};

/** Progress for the person running the harness, past the capture. */
export const say = (message: string): void => {
  writeSync(2, `${message}\n`);
};

const ISO = () => new Date().toISOString();
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const traceHeader = () => `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(12)};Parent=${hex(8)};Sampled=1`;

/** The two records Lambda writes per invocation in JSON log format (X-Ray active: a tracing block). */
export const lambdaPlatformRecords = (memoryMb: number, durationMs: number): string[] => {
  const requestId = randomUUID();
  return [
    JSON.stringify({ time: ISO(), type: 'platform.start', record: { requestId, version: '$LATEST' } }),
    JSON.stringify({
      time: ISO(),
      type: 'platform.report',
      record: {
        requestId,
        metrics: { durationMs: Number(durationMs.toFixed(2)), billedDurationMs: Math.ceil(durationMs), memorySizeMB: memoryMb, maxMemoryUsedMB: Math.round(memoryMb * 0.4) },
        tracing: { spanId: hex(8), type: 'X-Amzn-Trace-Id', value: traceHeader() },
        status: 'success',
      },
    }),
  ];
};

/**
 * How many invocations' platform records (`platform.start` and `platform.report`, both INFO) reach CloudWatch
 * Logs at a system log level (Lambda advanced logging controls): every invocation's at DEBUG or INFO; at WARN
 * none of an invocation that succeeded. A failed invocation (an error or a timeout) keeps both here: the
 * conservative reading, as what Lambda writes for it at WARN is not modeled record by record.
 */
export const platformRecordsKept = (systemLevel: 'DEBUG' | 'INFO' | 'WARN', invocations: number, failed: number): number =>
  systemLevel === 'WARN' ? Math.min(failed, invocations) : invocations;

/** The route resource (`/v1/payments/{id}`) a request path matches, from platform/routes.ts. */
export const resourceOf = (method: string, path: string): string | undefined => {
  const segments = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  const route = routes.find((candidate) => {
    const parts = candidate.path.split('/').filter(Boolean);
    return candidate.method === method && parts.length === segments.length && parts.every((part, index) => part.startsWith('{') || part === segments[index]);
  });
  return route?.path;
};

/**
 * One access-log line in the stage's format (lib/constructs/merchant-api.ts `merchantApiAccessLogFormat`):
 * `template` is that format's string with `$context.*` variables, filled with the request's method, route,
 * status, response size and latency (the local gateway's, for the integration's).
 */
export const accessLogLine = (template: string, request: { method: string; path: string; status: number; responseBytes?: number; latencyMs?: number }): string =>
  template
    .replace('$context.requestId', randomUUID())
    .replace('$context.extendedRequestId', `${hex(4)}=`)
    .replace('$context.identity.sourceIp', '198.51.100.23')
    .replace('$context.identity.caller', '-')
    .replace('$context.identity.user', '-')
    .replace('$context.requestTime', '21/Nov/2026:14:19:36 +0000')
    .replace('$context.httpMethod', request.method)
    .replace('$context.resourcePath', resourceOf(request.method, request.path) ?? request.path.split('?')[0] ?? '')
    .replace('$context.status', String(request.status))
    .replace('$context.protocol', 'HTTP/1.1')
    .replace('$context.responseLength', String(request.responseBytes ?? 812))
    .replace('$context.integrationLatency', String(Math.round(request.latencyMs ?? 120)));

/** The AWS common rule set's body limit (its SizeRestrictions_BODY rule), which merchant-api-firewall.ts overrides to count. */
export const COMMON_RULE_SET_BODY_LIMIT = 8 * 1024;

/**
 * The actions WAF records for a request of this body size under merchant-api-firewall.ts's rules, at rates
 * under its rate limits (the bench's are far under): the body limit blocks; the common set's body rule counts.
 */
export const wafActionsFor = (bodyBytes: number, maxBodyBytes: number): string[] => {
  if (bodyBytes > maxBodyBytes) return ['BLOCK'];
  return bodyBytes > COMMON_RULE_SET_BODY_LIMIT ? ['ALLOW', 'EXCLUDED_AS_COUNT'] : ['ALLOW'];
};

/** A web ACL logging filter in CloudFormation's shape (action conditions only: the firewall's filter uses no label). */
export interface WafLoggingFilter {
  readonly DefaultBehavior: string;
  readonly Filters: readonly { readonly Behavior: string; readonly Requirement: string; readonly Conditions: readonly { readonly ActionCondition: { readonly Action: string } }[] }[];
}

/** Whether the filter keeps a record carrying these actions: the first filter the record meets decides, else the default. */
export const wafLoggingKeeps = (filter: WafLoggingFilter, actions: readonly string[]): boolean => {
  for (const candidate of filter.Filters) {
    const met = candidate.Conditions.map((condition) => actions.includes(condition.ActionCondition.Action));
    if (candidate.Requirement === 'MEETS_ALL' ? met.every(Boolean) : met.some(Boolean)) return candidate.Behavior === 'KEEP';
  }
  return filter.DefaultBehavior === 'KEEP';
};

/** A WAF log record for one request, in the documented format (managed groups of merchant-api-firewall.ts). */
export const wafLogRecord = (request: { method: string; path: string; headers: Record<string, string>; actions?: readonly string[] }): string => {
  const counted = request.actions?.includes('EXCLUDED_AS_COUNT') ?? false;
  const blocked = request.actions?.includes('BLOCK') ?? false;
  const group = (name: string) => ({
    ruleGroupId: `AWS#${name}`,
    terminatingRule: null,
    nonTerminatingMatchingRules: counted && name === 'AWSManagedRulesCommonRuleSet' ? [{ ruleId: 'SizeRestrictions_BODY', action: 'COUNT', overriddenAction: 'BLOCK' }] : [],
    excludedRules: null,
    customerConfig: null,
  });
  return JSON.stringify({
    timestamp: Date.now(),
    formatVersion: 1,
    webaclId: `arn:aws:wafv2:us-east-1:123456789012:regional/webacl/xborder-merchant-api/${randomUUID()}`,
    terminatingRuleId: blocked ? 'BodyOver64KB' : 'Default_Action',
    terminatingRuleType: 'REGULAR',
    action: blocked ? 'BLOCK' : 'ALLOW',
    terminatingRuleMatchDetails: [],
    httpSourceName: 'APIGW',
    httpSourceId: '123456789012:a1b2c3d4e5:prod',
    ruleGroupList: [group('AWSManagedRulesCommonRuleSet'), group('AWSManagedRulesKnownBadInputsRuleSet'), group('AWSManagedRulesAmazonIpReputationList')],
    rateBasedRuleList: [],
    nonTerminatingMatchingRules: [],
    requestHeadersInserted: null,
    responseCodeSent: null,
    httpRequest: {
      clientIp: '198.51.100.23',
      country: 'US',
      headers: Object.entries(request.headers).map(([name, value]) => ({ name, value: name.toLowerCase() === 'authorization' ? 'REDACTED' : value })),
      uri: `/prod${request.path.split('?')[0]}`,
      args: request.path.includes('?') ? request.path.slice(request.path.indexOf('?') + 1) : '',
      httpVersion: 'HTTP/1.1',
      httpMethod: request.method,
      requestId: `${hex(4)}=`,
    },
    requestBodySize: Number(request.headers['content-length'] ?? 0),
    requestBodySizeInspectedByWAF: Number(request.headers['content-length'] ?? 0),
  });
};

/** The headers a merchant's server (or an acquirer) sends: what WAF logs (the Authorization value redacted). */
export const typicalHeaders = (kind: 'merchant-post' | 'merchant-get' | 'webhook', bodyBytes?: number): Record<string, string> => {
  const common = { Host: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com', 'User-Agent': 'node', Accept: '*/*', 'X-Amzn-Trace-Id': traceHeader(), 'X-Forwarded-For': '198.51.100.23', 'X-Forwarded-Port': '443', 'X-Forwarded-Proto': 'https' };
  if (kind === 'merchant-get') return { ...common, Authorization: 'REDACTED' };
  if (kind === 'merchant-post') return { ...common, Authorization: 'REDACTED', 'Content-Type': 'application/json', 'Content-Length': String(bodyBytes ?? 180), 'Idempotency-Key': randomUUID() };
  return { ...common, 'Content-Type': 'application/json', 'Content-Length': String(bodyBytes ?? 900), 'Acquirer-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${hex(32)}` };
};

const EXECUTION_DATA = new Set(['input', 'output', 'inputDetails', 'outputDetails', 'parameters', 'result', 'resultDetails']);

/** A history event as Step Functions logs it at level ALL with includeExecutionData = false. */
export const stepFunctionsLogRecord = (event: HistoryEvent, executionArn: string, redriveCount = 0): string => {
  const detailsKey = Object.keys(event).find((key) => key.endsWith('EventDetails'));
  const raw = detailsKey ? ((event as unknown as Record<string, unknown>)[detailsKey] as Record<string, unknown>) : {};
  const details = Object.fromEntries(Object.entries(raw ?? {}).filter(([key]) => !EXECUTION_DATA.has(key)));
  return JSON.stringify({
    id: String(event.id),
    type: event.type,
    details,
    previous_event_id: String(event.previousEventId ?? 0),
    event_timestamp: String(new Date(event.timestamp ?? Date.now()).getTime()),
    execution_arn: executionArn.replace(':000000000000:', ':123456789012:'),
    redrive_count: String(redriveCount),
  });
};
