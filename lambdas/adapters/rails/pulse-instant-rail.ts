import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { PayoutChannel } from '../../domain/payouts/beneficiary';
import { platformCode } from '../../domain/payouts/rail-reasons';
import { RailOutcomeUnknownError, RailRejectedError } from '../../domain/payouts/saga-errors';
import type { PayoutInstruction, PayoutRailPort, RailEvent, RailMessage, RailMessageParser, RailPaymentState, RailSubmission } from '../../ports/payout-rail';
import { RailMessageRejectedError } from '../../ports/payout-rail';
import { InvalidWebhookSignatureError, verifyAcquirerWebhook } from '../channels/acquirer-webhook-signature';
import { toDecimalAmount } from './amounts';
import { railFetch, railUrlFromEnv, requiredEnv, timeoutFromEnv } from './rail-http';
import { processEnvironment } from '../../shared/config';

/**
 * Pulse, the instant-payment rail (PIX in Brazil, SPEI in Mexico), in the style of the PIX APIs: JSON over
 * HTTPS, `Authorization: Bearer`, an `Idempotency-Key` on every POST, amounts as decimal strings, an
 * end-to-end id per payment (PIX: `E` + the sender's ISPB + yyyyMMddHHmm + 11 characters; SPEI: the
 * tracking key, `clave de rastreo`). It answers 201 `processing` at once and settles within seconds,
 * telling the platform by signed webhook (`Pulse-Signature`): payment.settled, payment.rejected, and,
 * later, payment.returned (a PIX devolução / SPEI devolución). What an answer to a POST says:
 *   201/200 with the payment                       taken (the same key again answers the first payment)
 *   422 payment_rejected, 400, 401, 403, 404       refused, definitely (RailRejected)
 *   5xx, 429, 409 (idempotency_key_in_use: the     the request may have been applied (RailOutcomeUnknown);
 *   first request is still being processed),       no answer in time: RailTimeout (rail-http.ts)
 *   422 idempotency_key_reused, anything unreadable
 * `lookup` is `GET /v1/payments/{end_to_end_id}` (404: the rail holds no payment under it).
 *
 * Environment: PULSE_URL, PULSE_API_KEY, PULSE_TIMEOUT_MS (optional); the webhook receiver:
 * PULSE_WEBHOOK_SECRETS (comma-separated, for rotation).
 */
export const PULSE: PayoutChannel = 'pulse';
export const PULSE_SIGNATURE_HEADER = 'Pulse-Signature';
/** The platform's ISPB (its identifier in the Brazilian payment system), simulated. */
export const PLATFORM_ISPB = '99999999';

export interface PulseConfig {
  readonly url: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

export const pulseConfigFromEnv = (env: NodeJS.ProcessEnv = processEnvironment()): PulseConfig => ({
  url: railUrlFromEnv('PULSE_URL', env),
  apiKey: requiredEnv('PULSE_API_KEY', env),
  timeoutMs: timeoutFromEnv('PULSE_TIMEOUT_MS', env),
});

const hashed = (payoutId: string, length: number): string =>
  createHash('sha256').update(payoutId).digest('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, length);

/** PIX end-to-end id (32 characters) or SPEI tracking key (22), derived from the payout alone. */
export const instantReferenceOf = (payoutId: string, scheme: string, createdAt: string): string => {
  if (scheme === 'pix') return `E${PLATFORM_ISPB}${createdAt.slice(0, 16).replace(/[-T:]/g, '')}${hashed(payoutId, 11)}`;
  return `XB${hashed(payoutId, 20).toUpperCase()}`;
};

const errorWire = z.object({ error: z.object({ code: z.string(), message: z.optional(z.string()), reason_code: z.optional(z.string()) }) });
const paymentWire = z.object({ id: z.string(), end_to_end_id: z.string(), status: z.string(), reason_code: z.optional(z.nullable(z.string())) });

export class PulseInstantRail implements PayoutRailPort {
  readonly channel = PULSE;

  constructor(private readonly config: PulseConfig) {}

  railReference(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme' | 'createdAt'>): string {
    return instantReferenceOf(instruction.payoutId, instruction.scheme, instruction.createdAt);
  }

  async submit(instruction: PayoutInstruction): Promise<RailSubmission> {
    if (instruction.scheme !== 'pix' && instruction.scheme !== 'spei') {
      throw new RailRejectedError({ channel: this.channel }, { code: 'other', railCode: 'NOSCHEME', message: `Pulse carries PIX and SPEI, not ${instruction.scheme}` });
    }
    const endToEndId = this.railReference(instruction);
    const creditor =
      instruction.scheme === 'pix'
        ? { name: instruction.beneficiary.name, pix_key: instruction.account.accountNumber, ...(instruction.pixKeyType ? { pix_key_type: instruction.pixKeyType } : {}) }
        : { name: instruction.beneficiary.name, clabe: instruction.account.accountNumber };
    const answer = await railFetch(this.channel, `${this.config.url}/v1/payments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${this.config.apiKey}`, 'Idempotency-Key': instruction.payoutId },
      body: JSON.stringify({
        end_to_end_id: endToEndId,
        scheme: instruction.scheme,
        amount: toDecimalAmount(instruction.amount, instruction.currency),
        currency: instruction.currency,
        creditor,
        remittance_information: instruction.reference,
      }),
      timeoutMs: this.config.timeoutMs,
    });
    const body = jsonOf(answer.text);
    if (answer.status === 201 || answer.status === 200) {
      const payment = z.safeParse(paymentWire, body);
      if (!payment.success) throw new RailOutcomeUnknownError({ channel: this.channel }, `an unreadable answer (HTTP ${answer.status})`);
      return { railReference: payment.data.end_to_end_id, bankReference: payment.data.id };
    }
    const error = z.safeParse(errorWire, body);
    const code = error.success ? error.data.error.code : `http_${answer.status}`;
    if (answer.status === 429 || answer.status === 409 || answer.status >= 500 || AMBIGUOUS_CODES.has(code) || !error.success) {
      throw new RailOutcomeUnknownError({ channel: this.channel }, `HTTP ${answer.status} ${code}`);
    }
    if (answer.status === 422) {
      const railCode = error.data.error.reason_code ?? 'BE08';
      throw new RailRejectedError({ channel: this.channel }, { code: platformCode('instant', railCode), railCode, message: error.data.error.message ?? code });
    }
    throw new RailRejectedError({ channel: this.channel }, { code: 'other', railCode: code, message: `Pulse refused the request (HTTP ${answer.status})` });
  }

  async lookup(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme' | 'createdAt'>): Promise<RailPaymentState> {
    const answer = await railFetch(this.channel, `${this.config.url}/v1/payments/${encodeURIComponent(this.railReference(instruction))}`, {
      method: 'GET',
      headers: { Accept: 'application/json', Authorization: `Bearer ${this.config.apiKey}` },
      timeoutMs: this.config.timeoutMs,
    });
    const body = jsonOf(answer.text);
    if (answer.status === 404 && z.safeParse(errorWire, body).data?.error.code === 'resource_missing') return { status: 'not_found' };
    const payment = z.safeParse(paymentWire, body);
    if (answer.status !== 200 || !payment.success) throw new RailOutcomeUnknownError({ channel: this.channel }, `HTTP ${answer.status} to the lookup`);
    const railCode = payment.data.reason_code ?? 'BE08';
    const reason = { code: platformCode('instant', railCode), railCode, message: `Reported ${payment.data.status} by the receiving institution (${railCode})` };
    switch (payment.data.status) {
      case 'processing':
        return { status: 'received' };
      case 'settled':
        return { status: 'paid' };
      case 'rejected':
        return { status: 'failed', reason };
      case 'returned':
        return { status: 'returned', reason };
      default:
        throw new RailOutcomeUnknownError({ channel: this.channel }, `a payment in an unknown status ${payment.data.status}`);
    }
  }
}

/** Pulse's error codes that say a payment may exist under the key: never a refusal. */
const AMBIGUOUS_CODES = new Set(['idempotency_key_in_use', 'idempotency_key_reused']);

const jsonOf = (text: string): unknown => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

const webhookWire = z.object({
  id: z.string(),
  type: z.enum(['payment.settled', 'payment.rejected', 'payment.returned']),
  created_at: z.string(),
  data: z.object({ end_to_end_id: z.string(), reason_code: z.optional(z.nullable(z.string())), reason_message: z.optional(z.nullable(z.string())) }),
});

const header = (headers: Readonly<Record<string, string>>, name: string): string | undefined =>
  Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

export class PulseMessageParser implements RailMessageParser {
  readonly channel = PULSE;

  constructor(private readonly secrets: readonly string[]) {}

  static fromEnv(env: NodeJS.ProcessEnv = processEnvironment()): PulseMessageParser {
    return new PulseMessageParser(requiredEnv('PULSE_WEBHOOK_SECRETS', env).split(',').map((secret) => secret.trim()).filter(Boolean));
  }

  parse(message: RailMessage, now: Date): RailEvent[] {
    if (message.kind !== 'http') throw new RailMessageRejectedError('Pulse notifies by webhook');
    try {
      verifyAcquirerWebhook({ payload: message.body, header: header(message.headers, PULSE_SIGNATURE_HEADER), secrets: this.secrets, now });
    } catch (error) {
      if (error instanceof InvalidWebhookSignatureError) throw new RailMessageRejectedError(`Pulse webhook refused: ${error.message}`, { reason: 'unauthenticated' });
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.body);
    } catch {
      throw new RailMessageRejectedError('Pulse webhook body is not JSON');
    }
    const event = z.safeParse(webhookWire, parsed);
    if (!event.success) throw new RailMessageRejectedError('Pulse webhook body is not an event the platform knows');
    const { type, data, created_at: occurredAt } = event.data;
    if (type === 'payment.settled') return [{ channel: this.channel, railReference: data.end_to_end_id, type: 'paid', reason: null, occurredAt }];
    const railCode = data.reason_code ?? 'BE08';
    return [
      {
        channel: this.channel,
        railReference: data.end_to_end_id,
        type: type === 'payment.rejected' ? 'failed' : 'returned',
        reason: { code: platformCode('instant', railCode), railCode, message: data.reason_message ?? type },
        occurredAt,
      },
    ];
  }

  acknowledgement(): { contentType: string; body: string } {
    return { contentType: 'application/json', body: '{"received":true}' };
  }
}
