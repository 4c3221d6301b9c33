import { createHash } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fromDecimalAmount } from '../../../lambdas/adapters/rails/amounts';
import {
  KEYSTONE_SIGNATURE_HEADER,
  type KeystonePayment,
  SOAP_ACTIONS,
  envelope,
  fault,
  paymentStatusResponse,
  readEnvelope,
  readSubmitPaymentRequest,
  statusNotification,
  submitPaymentResponse,
} from '../../../lambdas/adapters/rails/formats/keystone-soap';
import { textAt } from '../../../lambdas/adapters/rails/xml';
import { bicProblem, ibanProblem } from '../../../lambdas/domain/payouts/bank-identifiers';
import { isSupportedCurrency } from '../../../lambdas/domain/money';
import type { PayoutFailureCode } from '../../../lambdas/domain/payouts/payout';
import { schemeCode } from '../../../lambdas/domain/payouts/rail-reasons';
import { CallbackDelivery, Schedule } from './deliveries';
import { Journal } from './journal';
import { type Behaviour, type RailTimings, scenarioOf } from './scenarios';
import { readBody } from '../../http-body';

/**
 * Keystone Bank, simulated: a SOAP 1.1 web service on 127.0.0.1 (formats/keystone-soap.ts is the wire
 * format) for SWIFT wires and Canadian EFT. It checks the credentials in the SOAP header, validates the
 * payment (scheme rules, IBAN/BIC, EFT institution and transit numbers, CAD for EFT), keeps every answer
 * under its MessageId (the same message again gets the same answer; another payment under it a
 * DUPLICATE_MESSAGE_ID fault), and reports outcomes by POSTing signed PaymentStatusNotification envelopes
 * to the platform until acknowledged. GetPaymentStatus answers where a payment stands by EndToEndId
 * (UNKNOWN_PAYMENT when it has none). Behaviour per payment from its remittance information
 * (scenarios.ts), lost answers (`sim:ambiguous`) included. With a directory, messages and statuses survive
 * a restart (journal).
 */
export interface KeystoneSimulatorOptions {
  readonly clientId: string;
  readonly apiKey: string;
  readonly notificationUrl: string;
  readonly notificationSecret: string;
  readonly directory?: string;
  readonly timings?: Partial<RailTimings>;
  readonly port?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface KeystonePaymentRecord {
  readonly messageId: string;
  readonly requestHash: string;
  readonly paymentId: string;
  readonly endToEndId: string;
  readonly scheme: 'SWIFT' | 'EFT';
  readonly amount: string;
  readonly currency: string;
  readonly behaviour: Behaviour;
  readonly status: 'RECEIVED' | 'SETTLED' | 'REJECTED' | 'RETURNED';
  readonly reasonCode: string | null;
  readonly receivedAt: string;
  readonly response: string;
}

export interface KeystoneSimulator {
  readonly url: string;
  payments(): readonly KeystonePaymentRecord[];
  stop(): Promise<void>;
}

export const DEFAULT_KEYSTONE_TIMINGS: RailTimings = { settleDelayMs: 1_000, returnDelayMs: 3_000 };

const FAULT_CODES: Partial<Record<PayoutFailureCode, string>> = {
  invalid_account: 'INVALID_ACCOUNT',
  no_account: 'INVALID_ACCOUNT',
  account_closed: 'ACCOUNT_CLOSED',
  limit_exceeded: 'LIMIT_EXCEEDED',
};

/** Why the bank cannot take this payment as sent (a Client fault), or undefined. */
const validationProblem = (payment: KeystonePayment): string | undefined => {
  if (!isSupportedCurrency(payment.currency)) return 'Unknown currency';
  try {
    if (fromDecimalAmount(payment.amount, payment.currency) <= 0) return 'Amount must be positive';
  } catch {
    return `Amount ${payment.amount} is not valid in ${payment.currency}`;
  }
  if (payment.scheme === 'EFT') {
    if (payment.currency !== 'CAD') return 'EFT pays CAD only';
    if (!/^\d{3}$/.test(payment.institutionNumber ?? '') || !/^\d{5}$/.test(payment.transitNumber ?? '') || !/^\d{7,12}$/.test(payment.accountNumber ?? '')) {
      return 'EFT needs a 3-digit institution, a 5-digit transit and a 7 to 12 digit account number';
    }
    return undefined;
  }
  if (!payment.bic || bicProblem(payment.bic)) return 'SWIFT needs the creditor agent BIC';
  if (payment.iban ? ibanProblem(payment.iban) : !payment.accountNumber) return 'SWIFT needs a valid IBAN or an account number';
  return undefined;
};

export const startKeystoneSimulator = async (options: KeystoneSimulatorOptions): Promise<KeystoneSimulator> => {
  const timings = { ...DEFAULT_KEYSTONE_TIMINGS, ...options.timings };
  const log = options.log ?? (() => undefined);
  const journal = new Journal<KeystonePaymentRecord | { readonly delivered: string }>(options.directory ? join(options.directory, 'payments.jsonl') : undefined);
  const payments = new Map<string, KeystonePaymentRecord>();
  const delivered = new Set<string>();
  for (const entry of journal.load()) {
    if ('delivered' in entry) delivered.add(entry.delivered);
    else payments.set(entry.messageId, entry);
  }
  const unavailableCounts = new Map<string, number>();
  /** Per MessageId: how many answers of a taken payment were lost (sim:ambiguous). */
  const lostAnswers = new Map<string, number>();
  const schedule = new Schedule();
  let counter = payments.size;
  const delivery = new CallbackDelivery({
    url: options.notificationUrl,
    secret: options.notificationSecret,
    signatureHeader: KEYSTONE_SIGNATURE_HEADER,
    contentType: 'text/xml; charset=utf-8',
    extraHeaders: { SOAPAction: `"${SOAP_ACTIONS.notify}"` },
    onDelivered: (id) => {
      delivered.add(id);
      journal.append({ delivered: id });
    },
    log,
  });

  const notify = (payment: KeystonePaymentRecord) => {
    const notificationId = `${payment.paymentId}-${payment.status}`;
    if (delivered.has(notificationId)) return;
    delivery.send(
      notificationId,
      envelope(
        undefined,
        statusNotification({
          notificationId,
          paymentId: payment.paymentId,
          endToEndId: payment.endToEndId,
          status: payment.status as 'SETTLED' | 'REJECTED' | 'RETURNED',
          ...(payment.reasonCode ? { reasonCode: payment.reasonCode, reasonText: `Reported by the beneficiary bank (${payment.reasonCode})` } : {}),
          statusTime: new Date().toISOString(),
        }),
      ),
    );
  };

  const transition = (messageId: string, status: KeystonePaymentRecord['status'], reason: PayoutFailureCode | null) => {
    const current = payments.get(messageId);
    if (!current) return;
    const next = { ...current, status, reasonCode: reason ? schemeCode('iso20022', reason) : null };
    journal.append(next);
    payments.set(messageId, next);
    notify(next);
    proceed(next);
  };

  const proceed = (payment: KeystonePaymentRecord) => {
    const behaviour = payment.behaviour;
    if (payment.status === 'RECEIVED') {
      if (behaviour.kind === 'silent') return;
      const delay = behaviour.kind === 'settle' ? (behaviour.delayMs ?? timings.settleDelayMs) : timings.settleDelayMs;
      schedule.at(delay, () => {
        if (payments.get(payment.messageId)?.status !== 'RECEIVED') return;
        if (behaviour.kind === 'fail') transition(payment.messageId, 'REJECTED', behaviour.reason);
        else transition(payment.messageId, 'SETTLED', null);
      });
    } else if (payment.status === 'SETTLED' && behaviour.kind === 'return') {
      schedule.at(behaviour.afterMs ?? timings.returnDelayMs, () => {
        if (payments.get(payment.messageId)?.status === 'SETTLED') transition(payment.messageId, 'RETURNED', behaviour.reason);
      });
    }
  };

  const answer = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { 'Content-Type': 'text/xml; charset=utf-8' });
    response.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'GET' && request.url === '/__simulator/payments') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ payments: [...payments.values()].map(({ response: _r, ...rest }) => rest) }));
      return;
    }
    if (request.method !== 'POST' || request.url !== '/soap/payments') return answer(response, 404, envelope(undefined, fault('Client', 'NOT_FOUND', 'No such endpoint')));
    const body = await readBody(request, { maxBytes: 256 * 1024, tooLarge: () => new Error('body too large') });
    let parsed;
    try {
      parsed = readEnvelope(body);
    } catch (error) {
      return answer(response, 500, envelope(undefined, fault('Client', 'MALFORMED_ENVELOPE', (error as Error).message)));
    }
    if (textAt(parsed.header, 'Authentication', 'ClientId') !== options.clientId || textAt(parsed.header, 'Authentication', 'ApiKey') !== options.apiKey) {
      return answer(response, 500, envelope(undefined, fault('Client', 'AUTHENTICATION_FAILED', 'Unknown client or API key')));
    }
    const action = (request.headers.soapaction as string | undefined)?.replace(/"/g, '');
    if (action === SOAP_ACTIONS.status) {
      const endToEndId = textAt(parsed.body, 'EndToEndId');
      const payment = [...payments.values()].find((item) => item.endToEndId === endToEndId);
      if (!payment) return answer(response, 500, envelope(undefined, fault('Client', 'UNKNOWN_PAYMENT', 'No payment with this EndToEndId')));
      return answer(response, 200, envelope(undefined, paymentStatusResponse({ paymentId: payment.paymentId, status: payment.status, ...(payment.reasonCode ? { reasonCode: payment.reasonCode } : {}) })));
    }
    if (action !== SOAP_ACTIONS.submit) return answer(response, 500, envelope(undefined, fault('Client', 'UNKNOWN_ACTION', `Unknown SOAPAction ${action ?? ''}`)));
    let payment: KeystonePayment;
    try {
      payment = readSubmitPaymentRequest(parsed.body);
    } catch (error) {
      return answer(response, 500, envelope(undefined, fault('Client', 'INVALID_REQUEST', (error as Error).message)));
    }
    const requestHash = createHash('sha256').update(JSON.stringify(payment)).digest('hex');
    const previous = payments.get(payment.messageId);
    const scenario = scenarioOf(payment.remittance);
    if (previous) {
      if (previous.requestHash !== requestHash) return answer(response, 500, envelope(undefined, fault('Client', 'DUPLICATE_MESSAGE_ID', 'This MessageId was used for another payment')));
      if (loseAnswer(payment.messageId, scenario, response)) return;
      return answer(response, 200, previous.response);
    }
    const seen = unavailableCounts.get(payment.messageId) ?? 0;
    if (seen < scenario.unavailableTimes) {
      unavailableCounts.set(payment.messageId, seen + 1);
      return answer(response, 503, envelope(undefined, fault('Server', 'SERVICE_UNAVAILABLE', 'The payment service is temporarily unavailable')));
    }
    const problem = validationProblem(payment);
    if (problem) return answer(response, 500, envelope(undefined, fault('Client', 'INVALID_REQUEST', problem)));
    if (scenario.behaviour.kind === 'reject') {
      return answer(response, 500, envelope(undefined, fault('Client', FAULT_CODES[scenario.behaviour.reason] ?? 'PAYMENT_REFUSED', `Refused: ${scenario.behaviour.reason}`)));
    }
    counter += 1;
    const receivedAt = new Date().toISOString();
    const paymentId = `KS${receivedAt.slice(0, 10).replace(/-/g, '')}${String(counter).padStart(8, '0')}`;
    const record: KeystonePaymentRecord = {
      messageId: payment.messageId,
      requestHash,
      paymentId,
      endToEndId: payment.endToEndId,
      scheme: payment.scheme,
      amount: payment.amount,
      currency: payment.currency,
      behaviour: scenario.behaviour,
      status: 'RECEIVED',
      reasonCode: null,
      receivedAt,
      response: envelope(undefined, submitPaymentResponse(paymentId, payment.endToEndId, 'RECEIVED', receivedAt)),
    };
    journal.append(record);
    payments.set(record.messageId, record);
    proceed(record);
    if (loseAnswer(payment.messageId, scenario, response)) return;
    answer(response, 200, record.response);
  };

  /** sim:ambiguous: the payment is taken, and this answer is lost (a fault, a proxy's status, or no answer at all). */
  const loseAnswer = (messageId: string, scenario: ReturnType<typeof scenarioOf>, response: ServerResponse): boolean => {
    const lost = lostAnswers.get(messageId) ?? 0;
    if (!scenario.ambiguous || lost >= scenario.ambiguous.times) return false;
    lostAnswers.set(messageId, lost + 1);
    switch (scenario.ambiguous.answer) {
      case 'hang':
        schedule.at(120_000, () => response.destroy());
        return true;
      case 'fault':
        answer(response, 500, envelope(undefined, fault('Server', 'INTERNAL_ERROR', 'The payment service failed')));
        return true;
      default: {
        const status = Number(scenario.ambiguous.answer);
        response.writeHead(status, { 'Content-Type': 'text/html' });
        response.end(`<html><body><h1>${status}</h1></body></html>`);
        return true;
      }
    }
  };

  for (const payment of payments.values()) {
    if (payment.status !== 'RECEIVED') notify(payment);
    proceed(payment);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log('request failed', { error: (error as Error).message });
      if (!response.headersSent) answer(response, 500, envelope(undefined, fault('Server', 'INTERNAL_ERROR', 'Internal error')));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    payments: () => [...payments.values()],
    stop: async () => {
      schedule.clear();
      delivery.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
