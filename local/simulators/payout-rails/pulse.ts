import { createHash, randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as z from 'zod';
import { fromDecimalAmount } from '../../../lambdas/adapters/rails/amounts';
import { PULSE_SIGNATURE_HEADER } from '../../../lambdas/adapters/rails/pulse-instant-rail';
import { clabeProblem, pixKeyProblem } from '../../../lambdas/domain/payouts/bank-identifiers';
import type { PayoutFailureCode } from '../../../lambdas/domain/payouts/payout';
import { schemeCode } from '../../../lambdas/domain/payouts/rail-reasons';
import { CallbackDelivery, Schedule } from './deliveries';
import { Journal } from './journal';
import { type Behaviour, type RailTimings, scenarioOf } from './scenarios';
import { readBody } from '../../http-body';

/**
 * Pulse, the instant-payment rail (PIX, SPEI), simulated: a JSON API on 127.0.0.1 in the style of the PIX
 * APIs. `POST /v1/payments` (Bearer key, Idempotency-Key, amount as a decimal string, end_to_end_id in the
 * scheme's format) answers 201 `processing` and settles within a second, then signs and POSTs webhooks
 * (`payment.settled`, `payment.rejected`, `payment.returned`) to the platform until acknowledged.
 * Idempotency: the same key and body answers the first response again; another body is 422
 * `idempotency_key_reused`; a key whose first request is still being processed is 409
 * `idempotency_key_in_use`. `GET /v1/payments/{end_to_end_id}` answers the payment, or 404 resource_missing.
 * Behaviour per payment from remittance_information (scenarios.ts), lost answers (`sim:ambiguous`) and
 * slow first requests (`sim:in-use`) included.
 */
export interface PulseSimulatorOptions {
  readonly apiKey: string;
  readonly webhookUrl: string;
  readonly webhookSecret: string;
  readonly directory?: string;
  readonly timings?: Partial<RailTimings>;
  readonly port?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface PulsePaymentRecord {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly endToEndId: string;
  readonly scheme: 'pix' | 'spei';
  readonly amount: string;
  readonly currency: string;
  /** The remittance information it was sent with (it carries the simulator's directives). */
  readonly remittance?: string;
  readonly behaviour: Behaviour;
  readonly status: 'processing' | 'settled' | 'rejected' | 'returned';
  readonly reasonCode: string | null;
  readonly createdAt: string;
}

export interface PulseSimulator {
  readonly url: string;
  payments(): readonly PulsePaymentRecord[];
  stop(): Promise<void>;
}

export const DEFAULT_PULSE_TIMINGS: RailTimings = { settleDelayMs: 300, returnDelayMs: 2_000 };

const paymentSchema = z.strictObject({
  end_to_end_id: z.string().regex(/^(E\d{8}\d{12}[A-Za-z0-9]{11}|[A-Z0-9]{10,30})$/, 'must be a PIX end-to-end id or a SPEI tracking key'),
  scheme: z.enum(['pix', 'spei']),
  amount: z.string().regex(/^\d{1,15}\.\d{2}$/, 'must be a decimal with 2 places'),
  currency: z.enum(['BRL', 'MXN']),
  creditor: z.strictObject({
    name: z.string().min(1).max(140),
    pix_key: z.string().optional(),
    pix_key_type: z.string().optional(),
    clabe: z.string().optional(),
  }),
  remittance_information: z.string().max(140).default(''),
});

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': randomUUID() });
  response.end(JSON.stringify(body));
};

const render = (payment: PulsePaymentRecord) => ({
  id: payment.id,
  object: 'payment',
  end_to_end_id: payment.endToEndId,
  scheme: payment.scheme,
  amount: payment.amount,
  currency: payment.currency,
  status: payment.status,
  reason_code: payment.reasonCode,
  created_at: payment.createdAt,
});

export const startPulseSimulator = async (options: PulseSimulatorOptions): Promise<PulseSimulator> => {
  const timings = { ...DEFAULT_PULSE_TIMINGS, ...options.timings };
  const log = options.log ?? (() => undefined);
  const journal = new Journal<PulsePaymentRecord | { readonly delivered: string }>(options.directory ? join(options.directory, 'payments.jsonl') : undefined);
  const byKey = new Map<string, PulsePaymentRecord>();
  const delivered = new Set<string>();
  for (const entry of journal.load()) {
    if ('delivered' in entry) delivered.add(entry.delivered);
    else byKey.set(entry.idempotencyKey, entry);
  }
  const unavailableCounts = new Map<string, number>();
  /** Per key: how many answers of a taken payment were lost (sim:ambiguous). */
  const lostAnswers = new Map<string, number>();
  /** Keys whose first request is still being processed (sim:in-use), until the payment exists. */
  const inUse = new Set<string>();
  const schedule = new Schedule();
  const delivery = new CallbackDelivery({
    url: options.webhookUrl,
    secret: options.webhookSecret,
    signatureHeader: PULSE_SIGNATURE_HEADER,
    contentType: 'application/json',
    onDelivered: (id) => {
      delivered.add(id);
      journal.append({ delivered: id });
    },
    log,
  });

  const notify = (payment: PulsePaymentRecord) => {
    if (payment.status === 'processing') return;
    const id = `evt_${payment.id}_${payment.status}`;
    if (delivered.has(id)) return;
    delivery.send(
      id,
      JSON.stringify({
        id,
        object: 'event',
        type: `payment.${payment.status}`,
        created_at: new Date().toISOString(),
        data: { end_to_end_id: payment.endToEndId, payment_id: payment.id, reason_code: payment.reasonCode, reason_message: payment.reasonCode ? `Reported by the receiving institution (${payment.reasonCode})` : null },
      }),
    );
  };

  const transition = (key: string, status: PulsePaymentRecord['status'], reason: PayoutFailureCode | null) => {
    const current = byKey.get(key);
    if (!current) return;
    const next = { ...current, status, reasonCode: reason ? schemeCode('instant', reason) : null };
    journal.append(next);
    byKey.set(key, next);
    notify(next);
    proceed(next);
  };

  const proceed = (payment: PulsePaymentRecord) => {
    const behaviour = payment.behaviour;
    if (payment.status === 'processing') {
      if (behaviour.kind === 'silent') return;
      const delay = behaviour.kind === 'settle' ? (behaviour.delayMs ?? timings.settleDelayMs) : timings.settleDelayMs;
      schedule.at(delay, () => {
        if (byKey.get(payment.idempotencyKey)?.status !== 'processing') return;
        transition(payment.idempotencyKey, behaviour.kind === 'fail' ? 'rejected' : 'settled', behaviour.kind === 'fail' ? behaviour.reason : null);
      });
    } else if (payment.status === 'settled' && behaviour.kind === 'return') {
      schedule.at(behaviour.afterMs ?? timings.returnDelayMs, () => {
        if (byKey.get(payment.idempotencyKey)?.status === 'settled') transition(payment.idempotencyKey, 'returned', behaviour.reason);
      });
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) return json(response, 401, { error: { code: 'invalid_api_key', message: 'Unknown API key' } });
    if (request.method === 'GET' && request.url === '/__simulator/payments') return json(response, 200, { payments: [...byKey.values()] });
    const match = /^\/v1\/payments\/([^/]+)$/.exec(request.url ?? '');
    if (request.method === 'GET' && match) {
      const payment = [...byKey.values()].find((item) => item.endToEndId === match[1]);
      return payment ? json(response, 200, render(payment)) : json(response, 404, { error: { code: 'resource_missing', message: 'No such payment' } });
    }
    if (request.method !== 'POST' || request.url !== '/v1/payments') return json(response, 404, { error: { code: 'route_not_found', message: 'No such route' } });
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length < 1 || key.length > 255) return json(response, 400, { error: { code: 'idempotency_key_missing', message: 'Idempotency-Key is required' } });
    const raw = await readBody(request);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return json(response, 400, { error: { code: 'invalid_json', message: 'Body is not JSON' } });
    }
    const requestHash = createHash('sha256').update(raw).digest('hex');
    if (inUse.has(key)) return json(response, 409, { error: { code: 'idempotency_key_in_use', message: 'A request with this key is still being processed' } });
    const previous = byKey.get(key);
    if (previous) {
      if (previous.requestHash !== requestHash) return json(response, 422, { error: { code: 'idempotency_key_reused', message: 'This key was used for another payment' } });
      if (loseAnswer(key, scenarioOf(previous.remittance ?? ''), response)) return;
      response.setHeader('Idempotent-Replayed', 'true');
      return json(response, 201, render(previous));
    }
    const parsed = paymentSchema.safeParse(body);
    if (!parsed.success) return json(response, 400, { error: { code: 'parameter_invalid', message: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') } });
    const payment = parsed.data;
    const scenario = scenarioOf(payment.remittance_information);
    const seen = unavailableCounts.get(key) ?? 0;
    if (seen < scenario.unavailableTimes) {
      unavailableCounts.set(key, seen + 1);
      return json(response, 503, { error: { code: 'service_unavailable', message: 'Temporarily unavailable' } });
    }
    const accountProblem =
      payment.scheme === 'pix'
        ? payment.currency !== 'BRL' || !payment.creditor.pix_key
          ? 'PIX pays BRL to a PIX key'
          : pixKeyProblem(payment.creditor.pix_key)
        : payment.currency !== 'MXN' || !payment.creditor.clabe
          ? 'SPEI pays MXN to a CLABE'
          : clabeProblem(payment.creditor.clabe);
    if (accountProblem) return json(response, 422, { error: { code: 'payment_rejected', reason_code: schemeCode('instant', 'invalid_account'), message: accountProblem } });
    fromDecimalAmount(payment.amount, payment.currency);
    if (scenario.behaviour.kind === 'reject') {
      return json(response, 422, { error: { code: 'payment_rejected', reason_code: schemeCode('instant', scenario.behaviour.reason), message: `Rejected: ${scenario.behaviour.reason}` } });
    }
    const record: PulsePaymentRecord = {
      id: `pmt_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`,
      idempotencyKey: key,
      requestHash,
      endToEndId: payment.end_to_end_id,
      scheme: payment.scheme,
      amount: payment.amount,
      currency: payment.currency,
      remittance: payment.remittance_information,
      behaviour: scenario.behaviour,
      status: 'processing',
      reasonCode: null,
      createdAt: new Date().toISOString(),
    };
    const take = () => {
      inUse.delete(key);
      journal.append(record);
      byKey.set(key, record);
      proceed(record);
    };
    if (scenario.inUseMs !== undefined) {
      // The first request is slow: its client gets a gateway timeout; the payment exists only once it is processed.
      inUse.add(key);
      schedule.at(scenario.inUseMs, take);
      return json(response, 504, { error: { code: 'gateway_timeout', message: 'The request did not complete in time' } });
    }
    take();
    if (loseAnswer(key, scenario, response)) return;
    json(response, 201, render(record));
  };

  /** sim:ambiguous: the payment is taken, and this answer is lost (a status without the payment, or no answer at all). */
  const loseAnswer = (key: string, scenario: ReturnType<typeof scenarioOf>, response: ServerResponse): boolean => {
    const lost = lostAnswers.get(key) ?? 0;
    if (!scenario.ambiguous || lost >= scenario.ambiguous.times) return false;
    lostAnswers.set(key, lost + 1);
    switch (scenario.ambiguous.answer) {
      case 'hang':
        // Hold the connection past any client's timeout; closed on stop.
        schedule.at(120_000, () => response.destroy());
        return true;
      case 'fault':
        json(response, 500, { error: { code: 'internal_error', message: 'Internal error' } });
        return true;
      default: {
        const status = Number(scenario.ambiguous.answer);
        response.writeHead(status, { 'Content-Type': 'text/html' });
        response.end(`<html><body><h1>${status}</h1></body></html>`);
        return true;
      }
    }
  };

  for (const payment of byKey.values()) {
    notify(payment);
    proceed(payment);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log('request failed', { error: (error as Error).message });
      if (!response.headersSent) json(response, 500, { error: { code: 'internal_error', message: 'Internal error' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    payments: () => [...byKey.values()],
    stop: async () => {
      schedule.clear();
      delivery.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
