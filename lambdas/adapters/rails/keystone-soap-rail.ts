import type { PayoutChannel } from '../../domain/payouts/beneficiary';
import { platformCode } from '../../domain/payouts/rail-reasons';
import { RailOutcomeUnknownError, RailRejectedError } from '../../domain/payouts/saga-errors';
import type { PayoutInstruction, PayoutRailPort, RailEvent, RailMessage, RailMessageParser, RailPaymentState, RailSubmission } from '../../ports/payout-rail';
import { RailMessageRejectedError } from '../../ports/payout-rail';
import { InvalidWebhookSignatureError, verifyAcquirerWebhook } from '../channels/acquirer-webhook-signature';
import { toDecimalAmount } from './amounts';
import {
  KEYSTONE_SIGNATURE_HEADER,
  SOAP_ACTIONS,
  authenticationHeader,
  envelope,
  getPaymentStatusRequest,
  notificationAck,
  readEnvelope,
  readFault,
  readPaymentStatusResponse,
  readStatusNotification,
  submitPaymentRequest,
} from './formats/keystone-soap';
import { railFetch, railUrlFromEnv, requiredEnv, timeoutFromEnv } from './rail-http';
import { textAt } from './xml';
import { processEnvironment } from '../../shared/config';

/**
 * Keystone Bank, the correspondent bank: SWIFT wires and Canadian EFT through its SOAP payments web
 * service (formats/keystone-soap.ts). SubmitPayment with the payout id as MessageId (the bank's
 * idempotency key) and EndToEndId (the rail reference in every notification). What an answer says:
 *   SubmitPaymentResponse                          taken
 *   a `Client` fault                               refused, definitely (RailRejected, the bank's code),
 *                                                  except DUPLICATE_MESSAGE_ID: a payment exists under
 *                                                  this MessageId (RailOutcomeUnknown)
 *   a `Server` fault, HTTP 5xx or 429, anything    the request may have been applied (RailOutcomeUnknown);
 *   unreadable                                     no answer in time: RailTimeout (rail-http.ts)
 * `lookup` asks GetPaymentStatus by EndToEndId (UNKNOWN_PAYMENT: the bank has none). Outcomes arrive as
 * signed PaymentStatusNotification envelopes (KeystoneMessageParser).
 *
 * Environment: KEYSTONE_URL, KEYSTONE_CLIENT_ID, KEYSTONE_API_KEY, KEYSTONE_TIMEOUT_MS (optional); the
 * notification receiver: KEYSTONE_NOTIFICATION_SECRETS (comma-separated, for rotation).
 */
export const KEYSTONE: PayoutChannel = 'keystone';

export interface KeystoneConfig {
  readonly url: string;
  readonly clientId: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

export const keystoneConfigFromEnv = (env: NodeJS.ProcessEnv = processEnvironment()): KeystoneConfig => ({
  url: railUrlFromEnv('KEYSTONE_URL', env),
  clientId: requiredEnv('KEYSTONE_CLIENT_ID', env),
  apiKey: requiredEnv('KEYSTONE_API_KEY', env),
  timeoutMs: timeoutFromEnv('KEYSTONE_TIMEOUT_MS', env),
});

/** Keystone's error codes for a refused payment → the platform's reason. */
const CLIENT_FAULTS: Readonly<Record<string, RailEvent['reason'] & object>> = {
  INVALID_ACCOUNT: { code: 'invalid_account', railCode: 'AC01', message: 'The creditor account is invalid' },
  ACCOUNT_CLOSED: { code: 'account_closed', railCode: 'AC04', message: 'The creditor account is closed' },
  LIMIT_EXCEEDED: { code: 'limit_exceeded', railCode: 'AM02', message: 'The amount exceeds the bank limit' },
  CURRENCY_NOT_SUPPORTED: { code: 'other', railCode: 'AM03', message: 'The currency is not supported on this scheme' },
};

export class KeystoneSoapRail implements PayoutRailPort {
  readonly channel = KEYSTONE;

  constructor(private readonly config: KeystoneConfig) {}

  railReference(instruction: Pick<PayoutInstruction, 'payoutId'>): string {
    return instruction.payoutId;
  }

  async submit(instruction: PayoutInstruction): Promise<RailSubmission> {
    const account = instruction.account;
    const eft = instruction.scheme === 'eft_ca';
    if (!eft && instruction.scheme !== 'swift') {
      throw new RailRejectedError({ channel: this.channel }, { code: 'other', railCode: 'NOSCHEME', message: `Keystone carries SWIFT and EFT, not ${instruction.scheme}` });
    }
    const routing = eft ? (account.routingCode ?? '') : '';
    const body = submitPaymentRequest({
      messageId: instruction.payoutId,
      endToEndId: instruction.payoutId,
      scheme: eft ? 'EFT' : 'SWIFT',
      amount: toDecimalAmount(instruction.amount, instruction.currency),
      currency: instruction.currency,
      creditorName: instruction.beneficiary.name,
      creditorCountry: instruction.beneficiary.country,
      ...(account.iban ? { iban: account.iban } : {}),
      ...(account.accountNumber ? { accountNumber: account.accountNumber } : {}),
      // Canadian routing: 0 + institution (3) + transit (5).
      ...(eft ? { institutionNumber: routing.slice(1, 4), transitNumber: routing.slice(4, 9) } : {}),
      ...(account.bic ? { bic: account.bic } : {}),
      remittance: instruction.reference,
    });
    const parsed = await this.call(SOAP_ACTIONS.submit, body);
    const fault = readFault(parsed);
    if (fault) {
      if (fault.code === 'Server' || fault.errorCode === 'DUPLICATE_MESSAGE_ID') throw new RailOutcomeUnknownError({ channel: this.channel }, `a ${fault.code} fault ${fault.errorCode}`);
      const reason = CLIENT_FAULTS[fault.errorCode] ?? { code: 'other' as const, railCode: fault.errorCode, message: fault.message };
      throw new RailRejectedError({ channel: this.channel }, reason);
    }
    const paymentId = textAt(parsed, 'PaymentId');
    if (!paymentId) throw new RailOutcomeUnknownError({ channel: this.channel }, 'an answer without a PaymentId');
    return { railReference: instruction.payoutId, bankReference: paymentId };
  }

  async lookup(instruction: Pick<PayoutInstruction, 'payoutId'>): Promise<RailPaymentState> {
    const parsed = await this.call(SOAP_ACTIONS.status, getPaymentStatusRequest(instruction.payoutId));
    const fault = readFault(parsed);
    if (fault) {
      if (fault.code === 'Client' && fault.errorCode === 'UNKNOWN_PAYMENT') return { status: 'not_found' };
      throw new RailOutcomeUnknownError({ channel: this.channel }, `a ${fault.code} fault ${fault.errorCode} to GetPaymentStatus`);
    }
    let status;
    try {
      status = readPaymentStatusResponse(parsed);
    } catch {
      throw new RailOutcomeUnknownError({ channel: this.channel }, 'an unreadable GetPaymentStatus answer');
    }
    switch (status.status) {
      case 'RECEIVED':
        return { status: 'received' };
      case 'SETTLED':
        return { status: 'paid' };
      case 'REJECTED':
      case 'RETURNED': {
        const railCode = status.reasonCode ?? 'MS03';
        return { status: status.status === 'REJECTED' ? 'failed' : 'returned', reason: { code: platformCode('iso20022', railCode), railCode, message: `Reported ${status.status.toLowerCase()} by Keystone (${railCode})` } };
      }
    }
  }

  /** One SOAP call: the Body's element of the answer (a fault included); an answer that is no envelope may mean anything. */
  private async call(action: string, body: string) {
    const answer = await railFetch(this.channel, `${this.config.url}/soap/payments`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${action}"` },
      body: envelope(authenticationHeader(this.config.clientId, this.config.apiKey), body),
      timeoutMs: this.config.timeoutMs,
    });
    let parsed;
    try {
      parsed = readEnvelope(answer.text).body;
    } catch {
      throw new RailOutcomeUnknownError({ channel: this.channel }, `an unreadable answer (HTTP ${answer.status})`);
    }
    // SOAP 1.1 sends faults with HTTP 500; anything else but 200 (a 429, a proxy's 502) says nothing about the payment.
    if (answer.status === 429 || (answer.status !== 200 && !readFault(parsed))) throw new RailOutcomeUnknownError({ channel: this.channel }, `HTTP ${answer.status}`);
    return parsed;
  }
}

const header = (headers: Readonly<Record<string, string>>, name: string): string | undefined =>
  Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

/** Keystone's signed status notifications → rail events: SETTLED → paid, REJECTED → failed, RETURNED → returned. */
export class KeystoneMessageParser implements RailMessageParser {
  readonly channel = KEYSTONE;

  constructor(private readonly secrets: readonly string[]) {}

  static fromEnv(env: NodeJS.ProcessEnv = processEnvironment()): KeystoneMessageParser {
    return new KeystoneMessageParser(requiredEnv('KEYSTONE_NOTIFICATION_SECRETS', env).split(',').map((secret) => secret.trim()).filter(Boolean));
  }

  parse(message: RailMessage, now: Date): RailEvent[] {
    if (message.kind !== 'http') throw new RailMessageRejectedError('Keystone notifies over HTTP');
    try {
      verifyAcquirerWebhook({ payload: message.body, header: header(message.headers, KEYSTONE_SIGNATURE_HEADER), secrets: this.secrets, now });
    } catch (error) {
      if (error instanceof InvalidWebhookSignatureError) throw new RailMessageRejectedError(`Keystone notification refused: ${error.message}`, { reason: 'unauthenticated' });
      throw error;
    }
    let notification;
    try {
      notification = readStatusNotification(readEnvelope(message.body).body);
    } catch (error) {
      throw new RailMessageRejectedError(`Unreadable Keystone notification: ${(error as Error).message}`);
    }
    const type = notification.status === 'SETTLED' ? 'paid' : notification.status === 'REJECTED' ? 'failed' : 'returned';
    const reason =
      type === 'paid'
        ? null
        : { code: platformCode('iso20022', notification.reasonCode ?? 'MS03'), railCode: notification.reasonCode ?? 'MS03', message: notification.reasonText ?? notification.status };
    return [{ channel: this.channel, railReference: notification.endToEndId, type, reason, occurredAt: notification.statusTime }];
  }

  acknowledgement(message: RailMessage): { contentType: string; body: string } {
    const notificationId = message.kind === 'http' ? textAt(readEnvelope(message.body).body, 'NotificationId') : undefined;
    return { contentType: 'text/xml; charset=utf-8', body: notificationAck(notificationId ?? '') };
  }
}
