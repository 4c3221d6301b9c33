import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as z from 'zod';
import { randomToken } from '../../../lambdas/domain/ids';
import { MAX_AMOUNT_MINOR, isSupportedCurrency } from '../../../lambdas/domain/money';
import { DEFAULT_LATENCY, type LatencyProfile, drawLatencyMs } from './latency';
import { openLedger } from './ledger';
import {
  type AcquirerState,
  type LedgerEntry,
  type OperationRecord,
  type OperationType,
  applyEffect,
  applyEntry,
  emptyState,
  errorBody,
  renderAuthorization,
  renderCapture,
  renderOperation,
  recordOperation,
  renderRefund,
  totals,
} from './model';
import {
  type AcquirerPolicy,
  type Decision,
  type DecisionContext,
  type FeeSchedule,
  decideAuthorize,
  decideCapture,
  decideRefund,
  decideSettlements,
  decideVoid,
} from './operations';
import { cardBehaviour } from './test-cards';
import { type WebhookOptions, createWebhookDispatcher } from './webhooks';
import { readBody } from '../../http-body';
import { mulberry32 } from './random';
import {
  type BankCredit,
  type ReportBreaks,
  type SettledItem,
  type SettlementReportFile,
  batchValueDate,
  buildSettlementReport,
  settlementBatchId,
} from './settlement-reports';

/**
 * A card acquirer on 127.0.0.1, behaving like a real one: REST resources, Bearer API key, Idempotency-Key
 * on every POST (same key and request: the original answer, status and body; same key, other request:
 * 422), latency per request, test cards (test-cards.ts), amount rules (operations.ts), a durable
 * operations ledger reloaded on start (ledger.ts), and signed webhooks for settlements and refunds.
 * docs/simulators.md is the API reference.
 */
export interface CardAcquirerOptions {
  /** Channel name (`atlas`): appears in events and logs. */
  readonly name: string;
  /** The API key clients must send as `Authorization: Bearer <key>`. */
  readonly apiKey: string;
  /** 0 or absent: a free port. Always bound to 127.0.0.1. */
  readonly port?: number;
  /** Ledger directory (operations.jsonl, simulator.key); absent: nothing survives a restart. */
  readonly directory?: string;
  readonly supportedCurrencies: readonly string[];
  readonly fees: FeeSchedule;
  /** Default uniform 20-120 ms; `{ kind: 'none' }` for fast tests. */
  readonly latency?: LatencyProfile;
  /** The simulator's clock (expiry, settlement times, event timestamps). Default: the system clock. */
  readonly clock?: () => Date;
  /** Source of the latency draws, values in [0, 1). */
  readonly random?: () => number;
  /** How long the silent test card holds its first answer. Default 60 s (longer than any client waits). */
  readonly silenceMs?: number;
  /** Capture → settled (and `capture.settled` sent). Default 2 s. */
  readonly settlementDelayMs?: number;
  /** Length of a settlement batch ("a day"). Default 24 h; drills scale it down. */
  readonly settlementWindowMs?: number;
  /** Where `POST /__simulator/settlement-reports` writes each batch's report (and `bank-credits.jsonl`). Absent: kept in memory. */
  readonly settlementReportsDir?: string;
  /** Refund → succeeded (and `refund.succeeded` sent). Default 3 s. */
  readonly refundDelayMs?: number;
  /** Send signed events here. Absent: no events. */
  readonly webhooks?: WebhookOptions;
  /** How often settlements and deliveries are looked at. Default 100 ms. */
  readonly tickMs?: number;
  /** Operational messages (never card numbers). Default: none. */
  readonly log?: (entry: SimulatorLogEntry) => void;
  /** How long a lookup by key waits for a request still being decided under it. Default 5 s. */
  readonly lookupWaitMs?: number;
  /** Faults injected at a set rate on every POST (drills); also set with `POST /__simulator/faults`. Default none. */
  readonly faults?: FaultRates;
}

/**
 * Random faults on the acquirer API, whatever the card, for reliability drills:
 * - `errorRate`: a POST is answered 503 `processing_error` before anything is looked at or recorded (a
 *   replay of a recorded key can get it too), as an overloaded acquirer does;
 * - `timeoutRate`: a new operation is recorded and applied, then its answer is held for `silenceMs` (the
 *   ambiguous outcome: the client times out, and its retry under the same key gets the recorded answer).
 */
export interface FaultRates {
  readonly errorRate: number;
  readonly timeoutRate: number;
}

export interface SimulatorLogEntry {
  readonly level: 'INFO' | 'WARN' | 'ERROR';
  readonly simulator: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export interface CardAcquirerSimulator {
  readonly name: string;
  /** Base URL, e.g. `http://127.0.0.1:41234` (the API is under `/v1`). */
  readonly url: string;
  readonly port: number;
  /** The simulator's current time (its clock plus any advance). */
  now(): Date;
  /** Move the simulator's clock forward (what `POST /__simulator/clock` does). */
  advanceClock(ms: number): void;
  /**
   * Roll the API key, as an acquirer's dashboard does: `next` is accepted from now on, and the current key
   * keeps working until `retireCurrentApiKey` (the overlap a secret rotation needs).
   */
  rollApiKey(next: string): void;
  /** End the overlap: only the newest key is accepted. */
  retireCurrentApiKey(): void;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const AUTH_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';

const amount = z.int().positive().max(MAX_AMOUNT_MINOR);
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code')
  .refine(isSupportedCurrency, 'is not an ISO 4217 currency');
const reference = z.string().min(1).max(255);

const authorizeSchema = z.strictObject({
  amount,
  currency,
  card: z.strictObject({
    number: z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits'),
    exp_month: z.int().min(1).max(12),
    exp_year: z.int().min(2000).max(2100),
    cvc: z
      .string()
      .regex(/^\d{3,4}$/, 'must be 3 or 4 digits')
      .optional(),
  }),
  capture_method: z.enum(['automatic', 'manual']),
  multi_capture: z.boolean().default(false),
  capture: z.boolean().optional(),
  merchant_reference: reference,
  payment_reference: reference,
});
const captureSchema = z.strictObject({ amount, currency, final_capture: z.boolean().default(true) });
const refundSchema = z.strictObject({ amount, currency, reason: z.string().max(500).nullable().default(null) });
const voidSchema = z.strictObject({});
const clockSchema = z.strictObject({ advance_ms: z.int().nonnegative() });
const rate = z.number().min(0).max(1);
const count = z.int().min(0).max(10_000).optional();
const settlementReportSchema = z.strictObject({
  batch_id: z.string().regex(/^[a-z0-9-]{1,60}$/, 'must be a batch id as capture.settled names it'),
  seed: z.int().optional(),
  breaks: z
    .strictObject({ fee_mismatch: count, missing_capture: count, amount_mismatch: count, currency_mismatch: count, duplicate_line: count, unknown_batch: z.boolean().optional() })
    .optional(),
});
const faultsSchema = z.strictObject({ error_rate: rate, timeout_rate: rate, seed: z.int().optional() });

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const invalid = (code: string, message: string, param?: string) =>
  new HttpError(400, errorBody('invalid_request_error', code, message, param ? { param } : {}));

/** The parsed body, or a 400 naming the first bad field; messages describe the rule, never the value. */
const parse = <Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> | HttpError => {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue?.path.join('.') || undefined;
  const given = issue?.path.reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), body);
  const code = issue?.code === 'invalid_type' && given === undefined ? 'parameter_missing' : 'parameter_invalid';
  return invalid(code, `${param ?? 'body'}: ${issue?.message ?? 'invalid'}`, param);
};

/** JSON with object keys sorted, so the same request always hashes the same. */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const startCardAcquirer = async (options: CardAcquirerOptions): Promise<CardAcquirerSimulator> => {
  const { name } = options;
  const baseClock = options.clock ?? (() => new Date());
  let clockOffsetMs = 0;
  const now = () => new Date(baseClock().getTime() + clockOffsetMs);
  const random = options.random ?? Math.random;
  const latency = options.latency ?? DEFAULT_LATENCY;
  const silenceMs = options.silenceMs ?? 60_000;
  const webhooks = options.webhooks;
  const log = options.log ?? (() => undefined);
  const policy: AcquirerPolicy = {
    channel: name,
    supportedCurrencies: new Set(options.supportedCurrencies),
    fees: options.fees,
    settlementDelayMs: options.settlementDelayMs ?? 2_000,
    refundDelayMs: options.refundDelayMs ?? 3_000,
    settlementWindowMs: options.settlementWindowMs ?? 86_400_000,
    emitsEvents: webhooks !== undefined,
  };

  const { ledger, entries, secret } = await openLedger(options.directory);
  const state: AcquirerState = emptyState();
  for (const entry of entries) applyEntry(state, entry);

  /** Durability of the ledger line that recorded each idempotency key / event, while still in flight. */
  const durableByKey = new Map<string, Promise<void>>();
  const undurableEvents = new Set<string>();
  /** Keys whose transient-error card already got its 503 (the next attempt succeeds). */
  const transientSeen = new Set<string>();
  /**
   * POSTs received and not yet decided, by Idempotency-Key: a lookup of such a key waits for the decision
   * (at most `lookupWaitMs`, then 409 `idempotency_key_in_use`), so "no operation under this key" always
   * means the acquirer neither applied the request nor will apply it later, as a real acquirer's lookup
   * does. The platform fails a payment over to another channel only on that answer.
   */
  const undecided = new Map<string, { readonly decided: Promise<void>; readonly decide: () => void; count: number }>();
  const lookupWaitMs = options.lookupWaitMs ?? 5_000;
  let faults: FaultRates = options.faults ?? { errorRate: 0, timeoutRate: 0 };
  // Fault draws: from `random` unless a drill seeded them (POST /__simulator/faults with `seed`).
  let faultRandom = random;
  const injected = { errors: 0, timeouts: 0 };

  const context = (): DecisionContext => ({
    now: now(),
    policy,
    newId: (prefix) => `${prefix}_${randomToken(24)}`,
    newAuthCode: () => Array.from({ length: 6 }, () => AUTH_CODE_ALPHABET[randomInt(AUTH_CODE_ALPHABET.length)]).join(''),
    fingerprint: (number) => createHmac('sha256', secret).update(`card:${number}`).digest('base64url').slice(0, 22),
  });

  /**
   * Settlement batches: the report of a batch is made once (asking again answers the same file), from every
   * capture settled and refund completed in its window; its net goes into the platform's bank account.
   */
  const closedBatches = new Map<string, ReturnType<typeof renderClosedBatch>>();
  const bankCredits: BankCredit[] = [];
  const renderClosedBatch = (report: SettlementReportFile, path: string | null) => ({
    batch_id: report.batchId,
    file_name: report.fileName,
    path,
    sha256: report.sha256,
    lines: report.lines.length,
    net: report.payout.net,
    currency: report.payout.currency,
    value_date: report.payout.valueDate,
    injected: report.injected,
  });
  const closeSettlementBatch = async (batchId: string, seed?: number, breaks?: ReportBreaks) => {
    const done = closedBatches.get(batchId);
    if (done) return done;
    const inBatch = (at: string | null, currency: string) => at !== null && settlementBatchId(name, currency, new Date(at), policy.settlementWindowMs) === batchId;
    const items: SettledItem[] = [];
    let currency: string | undefined;
    for (const capture of state.captures.values()) {
      if (!inBatch(capture.settledAt, capture.record.currency)) continue;
      currency = capture.record.currency;
      const ours = state.authorizations.get(capture.record.authorization)?.record.payment_reference ?? '';
      items.push({ type: 'capture', ourReference: ours, theirReference: capture.record.id, gross: capture.record.amount, fee: capture.record.fee, currency });
    }
    for (const refund of state.refunds.values()) {
      if (!inBatch(refund.succeededAt, refund.record.currency)) continue;
      currency = refund.record.currency;
      const ours = state.authorizations.get(refund.record.authorization)?.record.payment_reference ?? '';
      items.push({ type: 'refund', ourReference: ours, theirReference: refund.record.id, gross: -refund.record.amount, fee: 0, currency });
    }
    if (!currency) throw new HttpError(404, errorBody('invalid_request_error', 'resource_missing', `Batch ${batchId} settled nothing`));
    const report = buildSettlementReport({ channel: name, batchId, currency, valueDate: batchValueDate(batchId, policy.settlementWindowMs), items, seed, breaks });
    let path: string | null = null;
    const credit: BankCredit = { account: 'platform', batchId: report.batchId, reference: report.payout.theirReference, amount: report.payout.net, currency, valueDate: report.payout.valueDate };
    if (options.settlementReportsDir) {
      await mkdir(options.settlementReportsDir, { recursive: true });
      path = join(options.settlementReportsDir, report.fileName);
      await writeFile(`${path}.part`, report.csv, { mode: 0o600 });
      await rename(`${path}.part`, path);
      await appendFile(join(options.settlementReportsDir, 'bank-credits.jsonl'), `${JSON.stringify(credit)}\n`);
    }
    bankCredits.push(credit);
    const closed = renderClosedBatch(report, path);
    closedBatches.set(batchId, closed);
    return closed;
  };

  /** Apply in memory at once (so the next request sees it), resolve when the line is on disk. */
  const record = (entry: LedgerEntry): Promise<void> => {
    applyEntry(state, entry);
    const durable = ledger.append(entry);
    durable.catch((error: unknown) => log({ level: 'ERROR', simulator: name, message: 'ledger write failed', error: String(error) }));
    return durable;
  };

  // Settlements, and deliveries of the events they create once those are on disk.
  const dispatcher = webhooks ? createWebhookDispatcher(webhooks, { name, state, now, record, log }) : undefined;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const settlements = decideSettlements(state, context());
    if (settlements.length > 0) {
      const events = settlements.flatMap((effect) => (effect.type === 'event.created' ? [effect.event.id] : []));
      for (const id of events) undurableEvents.add(id);
      record({ v: 1, at: now().toISOString(), effects: settlements }).then(
        () => events.forEach((id) => undurableEvents.delete(id)),
        () => undefined,
      );
    }
    dispatcher?.dispatchDue((id) => !undurableEvents.has(id));
  };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (response.writableEnded || response.destroyed) return;
    const payload = JSON.stringify(body);
    response.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(payload),
      'Cache-Control': 'no-store',
      ...headers,
    });
    response.end(payload);
  };

  const silences = new Set<NodeJS.Timeout>();
  const holdSilently = (then: () => void) => {
    const timer = setTimeout(() => {
      silences.delete(timer);
      then();
    }, silenceMs);
    silences.add(timer);
  };

  interface Mutation {
    readonly type: OperationType;
    /** Validates the body (400 on failure, not recorded) and decides; runs synchronously. */
    readonly decide: (body: unknown, key: string, context: DecisionContext) => Decision | HttpError;
  }

  /**
   * A POST under an Idempotency-Key. From the key lookup to the decision applied in memory nothing
   * awaits, so two requests with the same key can never both execute; the second finds the first's
   * record and replays it once it is durable.
   */
  const mutate = async (request: IncomingMessage, response: ServerResponse, path: string, body: unknown, mutation: Mutation) => {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0) throw invalid('idempotency_key_missing', 'Every POST needs an Idempotency-Key header');
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw invalid('idempotency_key_invalid', `Idempotency-Key is limited to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    if (faults.errorRate > 0 && faultRandom() < faults.errorRate) {
      injected.errors += 1;
      throw new HttpError(503, errorBody('api_error', 'processing_error', 'The acquirer could not process the request; retry with the same Idempotency-Key', { retryable: true }));
    }
    const requestHash = createHmac('sha256', secret).update(`POST ${path}\n${canonicalJson(body)}`).digest('hex');
    const existing = state.operationsByKey.get(key);
    if (existing) {
      if (existing.request_hash !== requestHash) {
        throw new HttpError(
          422,
          errorBody('idempotency_error', 'idempotency_key_reused', 'This Idempotency-Key was used with a different request'),
        );
      }
      await durableByKey.get(key);
      send(response, existing.http_status, existing.response, { 'Idempotent-Replayed': 'true' });
      return;
    }
    const decisionContext = context();
    const decision = mutation.decide(body, key, decisionContext);
    if (decision instanceof HttpError) throw decision;
    const at = decisionContext.now;
    if (!decision.record) {
      send(response, decision.httpStatus, decision.respond(state));
      return;
    }
    const { effects } = decision;
    for (const effect of effects) applyEffect(state, effect);
    const operation: OperationRecord = {
      id: `op_${randomToken(24)}`,
      type: mutation.type,
      idempotency_key: key,
      request_hash: requestHash,
      target: decision.target,
      reference: decision.reference,
      outcome: decision.outcome,
      http_status: decision.httpStatus,
      response: decision.respond(state),
      created_at: at.toISOString(),
    };
    recordOperation(state, operation);
    // One line holds the effects and the operation: a restart replays both or neither.
    const durable = ledger.append({ v: 1, at: at.toISOString(), operation, effects });
    durableByKey.set(key, durable);
    try {
      await durable;
    } catch {
      throw new HttpError(500, errorBody('api_error', 'internal_error', 'The acquirer could not record the operation'));
    } finally {
      durableByKey.delete(key);
    }
    const answer = () => send(response, operation.http_status, operation.response);
    const silentCard =
      mutation.type === 'authorize' &&
      decision.outcome === 'succeeded' &&
      cardBehaviour((body as { card: { number: string } }).card.number).kind === 'silent_after_recording';
    const silentFault = !silentCard && faults.timeoutRate > 0 && faultRandom() < faults.timeoutRate;
    if (silentFault) injected.timeouts += 1;
    if (silentCard || silentFault) holdSilently(answer);
    else answer();
  };

  const authorizeMutation: Mutation = {
    type: 'authorize',
    decide: (body, key, decisionContext) => {
      const parsed = parse(authorizeSchema, body);
      if (parsed instanceof HttpError) return parsed;
      if (cardBehaviour(parsed.card.number).kind === 'transient_error' && !transientSeen.has(key)) {
        transientSeen.add(key);
        return new HttpError(
          503,
          errorBody('api_error', 'processing_error', 'The acquirer could not process the request; retry with the same Idempotency-Key', {
            retryable: true,
          }),
        );
      }
      return decideAuthorize(decisionContext, parsed);
    },
  };

  const route = async (request: IncomingMessage, response: ServerResponse, url: URL, body: unknown) => {
    const method = request.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean);
    const [root, collection, id, action] = parts;
    if (root === 'v1' && collection === 'authorizations') {
      if (parts.length === 2 && method === 'POST') return mutate(request, response, url.pathname, body, authorizeMutation);
      if (parts.length === 3 && method === 'GET' && id) {
        const authorization = state.authorizations.get(id);
        if (!authorization) throw new HttpError(404, errorBody('invalid_request_error', 'resource_missing', `No such authorization: '${id}'`));
        return send(response, 200, renderAuthorization(state, authorization, now()));
      }
      if (parts.length === 4 && method === 'POST' && id) {
        if (action === 'captures') {
          return mutate(request, response, url.pathname, body, {
            type: 'capture',
            decide: (raw, _key, decisionContext) => {
              const parsed = parse(captureSchema, raw);
              return parsed instanceof HttpError ? parsed : decideCapture(state, decisionContext, id, parsed);
            },
          });
        }
        if (action === 'void') {
          return mutate(request, response, url.pathname, body, {
            type: 'void',
            decide: (raw, _key, decisionContext) => {
              const parsed = parse(voidSchema, raw);
              return parsed instanceof HttpError ? parsed : decideVoid(state, decisionContext, id);
            },
          });
        }
        if (action === 'refunds') {
          return mutate(request, response, url.pathname, body, {
            type: 'refund',
            decide: (raw, _key, decisionContext) => {
              const parsed = parse(refundSchema, raw);
              return parsed instanceof HttpError ? parsed : decideRefund(state, decisionContext, id, parsed);
            },
          });
        }
      }
    }
    if (root === 'v1' && collection === 'captures' && parts.length === 3 && method === 'GET' && id) {
      const capture = state.captures.get(id);
      if (!capture) throw new HttpError(404, errorBody('invalid_request_error', 'resource_missing', `No such capture: '${id}'`));
      return send(response, 200, renderCapture(capture));
    }
    if (root === 'v1' && collection === 'refunds' && parts.length === 3 && method === 'GET' && id) {
      const refund = state.refunds.get(id);
      if (!refund) throw new HttpError(404, errorBody('invalid_request_error', 'resource_missing', `No such refund: '${id}'`));
      return send(response, 200, renderRefund(refund));
    }
    if (root === 'v1' && collection === 'operations' && parts.length === 2 && method === 'GET') {
      const key = url.searchParams.get('idempotency_key');
      const ref = url.searchParams.get('reference');
      let found: OperationRecord[];
      if (key !== null) {
        const pending = undecided.get(key);
        if (pending) {
          let timer: NodeJS.Timeout | undefined;
          const waited = await Promise.race([
            pending.decided.then(() => true),
            new Promise<false>((resolve) => {
              timer = setTimeout(() => resolve(false), lookupWaitMs);
            }),
          ]);
          clearTimeout(timer);
          if (!waited) {
            throw new HttpError(409, errorBody('invalid_request_error', 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed'));
          }
        }
        await durableByKey.get(key)?.catch(() => undefined);
        const operation = state.operationsByKey.get(key);
        found = operation ? [operation] : [];
      } else if (ref !== null) {
        found = state.operations.filter((operation) => operation.reference === ref || operation.target === ref);
      } else {
        throw invalid('parameter_missing', 'Give idempotency_key or reference', 'idempotency_key');
      }
      return send(response, 200, { object: 'list', data: found.map(renderOperation) });
    }
    if (root === '__simulator' && parts.length === 2) {
      if (collection === 'operations' && method === 'GET') {
        return send(response, 200, { object: 'list', data: state.operations.map(renderOperation) });
      }
      if (collection === 'totals' && method === 'GET') return send(response, 200, totals(state, now()));
      if (collection === 'events' && method === 'GET') {
        return send(response, 200, {
          object: 'list',
          data: [...state.events.values()].map((event) => ({
            ...event.event,
            delivered_at: event.deliveredAt,
            abandoned_at: event.abandonedAt,
            attempts: (event.deliveredAt ?? event.abandonedAt) !== null ? event.attempts : (dispatcher?.attempts(event.event.id) ?? 0),
          })),
        });
      }
      if (collection === 'info' && method === 'GET') {
        return send(response, 200, { channel: name, now: now().toISOString(), supported_currencies: [...policy.supportedCurrencies], fees: policy.fees });
      }
      if (collection === 'faults' && method === 'GET') {
        return send(response, 200, { error_rate: faults.errorRate, timeout_rate: faults.timeoutRate, injected: { ...injected } });
      }
      if (collection === 'faults' && method === 'POST') {
        const parsed = parse(faultsSchema, body);
        if (parsed instanceof HttpError) throw parsed;
        faults = { errorRate: parsed.error_rate, timeoutRate: parsed.timeout_rate };
        if (parsed.seed !== undefined) faultRandom = mulberry32(parsed.seed);
        return send(response, 200, { error_rate: faults.errorRate, timeout_rate: faults.timeoutRate, injected: { ...injected } });
      }
      if (collection === 'settlement-reports' && method === 'POST') {
        const parsed = parse(settlementReportSchema, body);
        if (parsed instanceof HttpError) throw parsed;
        return send(response, 200, await closeSettlementBatch(parsed.batch_id, parsed.seed, parsed.breaks));
      }
      if (collection === 'bank' && method === 'GET') return send(response, 200, { object: 'list', data: bankCredits });
      if (collection === 'clock' && method === 'POST') {
        const parsed = parse(clockSchema, body);
        if (parsed instanceof HttpError) throw parsed;
        clockOffsetMs += parsed.advance_ms;
        return send(response, 200, { now: now().toISOString() });
      }
    }
    throw new HttpError(404, errorBody('invalid_request_error', 'route_not_found', `No route ${method} ${url.pathname}`));
  };

  /** Register a POST as undecided under its key until `route` has decided it (answered or recorded). */
  const markUndecided = (key: string): (() => void) => {
    let entry = undecided.get(key);
    if (!entry) {
      let decide: () => void = () => undefined;
      const decided = new Promise<void>((resolve) => {
        decide = resolve;
      });
      entry = { decided, decide, count: 0 };
      undecided.set(key, entry);
    }
    entry.count += 1;
    const mine = entry;
    return () => {
      mine.count -= 1;
      if (mine.count === 0) {
        undecided.delete(key);
        mine.decide();
      }
    };
  };

  /** Accepted API keys, newest last: one, or two while a rolled key overlaps the one it replaces. */
  let apiKeys: readonly string[] = [options.apiKey];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const requestId = `req_${randomToken(20)}`;
    response.setHeader('Request-Id', requestId);
    try {
      const authorization = request.headers.authorization ?? '';
      const presented = authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
      if (presented === undefined || !apiKeys.some((key) => sameSecret(presented, key))) {
        throw new HttpError(401, errorBody('authentication_error', 'invalid_api_key', 'Invalid or missing API key'));
      }
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const text = await readBody(request, { maxBytes: MAX_BODY_BYTES, tooLarge: () => new HttpError(413, errorBody('invalid_request_error', 'body_too_large', `Bodies are limited to ${MAX_BODY_BYTES} bytes`)) });
      let body: unknown = {};
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          throw invalid('invalid_json', 'The body is not JSON');
        }
      }
      const key = request.method === 'POST' ? request.headers['idempotency-key'] : undefined;
      const release = typeof key === 'string' && key.length > 0 ? markUndecided(key) : () => undefined;
      try {
        const delay = drawLatencyMs(latency, random);
        if (delay > 0) await sleep(delay);
        await route(request, response, url, body);
      } finally {
        release();
      }
    } catch (error) {
      if (error instanceof HttpError) {
        send(response, error.status, error.body, error.status === 503 ? { 'Retry-After': '1' } : {});
        return;
      }
      log({ level: 'ERROR', simulator: name, message: 'request failed', requestId, error: String(error) });
      send(response, 500, errorBody('api_error', 'internal_error', 'The acquirer failed to process the request'));
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await ledger.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const ticker = setInterval(tick, options.tickMs ?? 100);
  ticker.unref();

  return {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    now,
    advanceClock: (ms) => {
      clockOffsetMs += ms;
    },
    rollApiKey: (next) => {
      apiKeys = [apiKeys[apiKeys.length - 1] as string, next];
    },
    retireCurrentApiKey: () => {
      apiKeys = [apiKeys[apiKeys.length - 1] as string];
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      for (const timer of silences) clearTimeout(timer);
      silences.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await dispatcher?.stop();
      await ledger.close();
    },
  };
};
