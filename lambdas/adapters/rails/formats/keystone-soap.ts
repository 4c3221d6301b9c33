import { XmlError, type XmlElement, at, childNamed, localName, parseXml, text, textAt, xml } from '../xml';

/**
 * Keystone Bank's payments web service: SOAP 1.1 over HTTP (document/literal, namespace
 * urn:keystone:payments:v1), the host-to-host interface of a correspondent bank carrying SWIFT wires and
 * Canadian EFT. Operations (SOAPAction header):
 *   SubmitPayment            → SubmitPaymentResponse (PaymentId, Status RECEIVED) or a SOAP Fault
 *   GetPaymentStatus         → GetPaymentStatusResponse (PaymentId, Status RECEIVED|SETTLED|REJECTED|RETURNED,
 *                              ReasonCode), by EndToEndId; a Client fault UNKNOWN_PAYMENT when it has none
 * Asynchronous, the bank POSTs PaymentStatusNotification envelopes (Status SETTLED, REJECTED, RETURNED,
 * ISO 20022 reason codes) to the client's notification endpoint, signed in the `Keystone-Signature`
 * header, until it answers PaymentStatusNotificationAck.
 * Credentials ride in the SOAP header (ks:Authentication ClientId + ApiKey). MessageId is the
 * idempotency key: the same MessageId with the same payment answers the first response again; with
 * another payment it is a Client fault DUPLICATE_MESSAGE_ID.
 */
export const KEYSTONE_NS = 'urn:keystone:payments:v1';
export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP_ACTIONS = {
  submit: `${KEYSTONE_NS}:SubmitPayment`,
  status: `${KEYSTONE_NS}:GetPaymentStatus`,
  notify: `${KEYSTONE_NS}:PaymentStatusNotification`,
} as const;
export const KEYSTONE_SIGNATURE_HEADER = 'Keystone-Signature';

const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n';

export const envelope = (header: string | undefined, body: string): string =>
  declaration +
  xml('soapenv:Envelope', { 'xmlns:soapenv': SOAP_ENV_NS, 'xmlns:ks': KEYSTONE_NS }, header ? xml('soapenv:Header', null, header) : undefined, xml('soapenv:Body', null, body));

export const authenticationHeader = (clientId: string, apiKey: string): string =>
  xml('ks:Authentication', null, xml('ks:ClientId', null, text(clientId)), xml('ks:ApiKey', null, text(apiKey)));

export interface KeystonePayment {
  readonly messageId: string;
  readonly endToEndId: string;
  /** SWIFT (a wire, MT103-style) or EFT (Canadian domestic, CPA-005). */
  readonly scheme: 'SWIFT' | 'EFT';
  /** Decimal in major units. */
  readonly amount: string;
  readonly currency: string;
  readonly creditorName: string;
  readonly creditorCountry: string;
  readonly iban?: string;
  readonly accountNumber?: string;
  readonly institutionNumber?: string;
  readonly transitNumber?: string;
  readonly bic?: string;
  readonly remittance: string;
}

export const submitPaymentRequest = (payment: KeystonePayment): string =>
  xml(
    'ks:SubmitPaymentRequest',
    null,
    xml('ks:MessageId', null, text(payment.messageId)),
    xml('ks:EndToEndId', null, text(payment.endToEndId)),
    xml('ks:Scheme', null, payment.scheme),
    xml('ks:Amount', { currency: payment.currency }, text(payment.amount)),
    xml('ks:Creditor', null, xml('ks:Name', null, text(payment.creditorName)), xml('ks:Country', null, text(payment.creditorCountry))),
    xml(
      'ks:CreditorAccount',
      null,
      payment.iban ? xml('ks:IBAN', null, text(payment.iban)) : undefined,
      payment.accountNumber ? xml('ks:AccountNumber', null, text(payment.accountNumber)) : undefined,
      payment.institutionNumber ? xml('ks:InstitutionNumber', null, text(payment.institutionNumber)) : undefined,
      payment.transitNumber ? xml('ks:TransitNumber', null, text(payment.transitNumber)) : undefined,
    ),
    payment.bic ? xml('ks:CreditorAgent', null, xml('ks:BIC', null, text(payment.bic))) : undefined,
    xml('ks:RemittanceInformation', null, text(payment.remittance)),
  );

/** The Body's single element of an envelope, and the header's, after checking it is a SOAP 1.1 envelope. */
export const readEnvelope = (source: string): { readonly header: XmlElement | undefined; readonly body: XmlElement } => {
  const root = parseXml(source);
  if (localName(root) !== 'Envelope' || !Object.values(root.attributes).includes(SOAP_ENV_NS)) throw new XmlError('Not a SOAP 1.1 envelope');
  const body = childNamed(root, 'Body')?.children[0];
  if (!body) throw new XmlError('The SOAP Body is empty');
  return { header: childNamed(root, 'Header'), body };
};

const required = (element: XmlElement | undefined, ...path: string[]): string => {
  const value = textAt(element, ...path);
  if (value === undefined || value === '') throw new XmlError(`Missing ${path.join('/')}`);
  return value;
};

export const readSubmitPaymentRequest = (body: XmlElement): KeystonePayment => {
  const scheme = required(body, 'Scheme');
  if (scheme !== 'SWIFT' && scheme !== 'EFT') throw new XmlError(`Unknown Scheme ${scheme}`);
  const optional = (...path: string[]) => textAt(body, ...path) || undefined;
  const iban = optional('CreditorAccount', 'IBAN');
  const accountNumber = optional('CreditorAccount', 'AccountNumber');
  const institutionNumber = optional('CreditorAccount', 'InstitutionNumber');
  const transitNumber = optional('CreditorAccount', 'TransitNumber');
  const bic = optional('CreditorAgent', 'BIC');
  return {
    messageId: required(body, 'MessageId'),
    endToEndId: required(body, 'EndToEndId'),
    scheme,
    amount: required(body, 'Amount'),
    currency: at(body, 'Amount')?.attributes.currency ?? '',
    creditorName: required(body, 'Creditor', 'Name'),
    creditorCountry: required(body, 'Creditor', 'Country'),
    ...(iban ? { iban } : {}),
    ...(accountNumber ? { accountNumber } : {}),
    ...(institutionNumber ? { institutionNumber } : {}),
    ...(transitNumber ? { transitNumber } : {}),
    ...(bic ? { bic } : {}),
    remittance: textAt(body, 'RemittanceInformation') ?? '',
  };
};

export const submitPaymentResponse = (paymentId: string, endToEndId: string, status: string, receivedAt: string): string =>
  xml(
    'ks:SubmitPaymentResponse',
    null,
    xml('ks:PaymentId', null, text(paymentId)),
    xml('ks:EndToEndId', null, text(endToEndId)),
    xml('ks:Status', null, text(status)),
    xml('ks:ReceivedAt', null, text(receivedAt)),
  );

/** The inquiry: where the payment with this EndToEndId stands. */
export const getPaymentStatusRequest = (endToEndId: string): string => xml('ks:GetPaymentStatusRequest', null, xml('ks:EndToEndId', null, text(endToEndId)));

export const KEYSTONE_STATUSES = ['RECEIVED', 'SETTLED', 'REJECTED', 'RETURNED'] as const;
export type KeystoneStatus = (typeof KEYSTONE_STATUSES)[number];

export interface PaymentStatus {
  readonly paymentId: string;
  readonly status: KeystoneStatus;
  readonly reasonCode?: string;
}

export const paymentStatusResponse = (status: PaymentStatus): string =>
  xml(
    'ks:GetPaymentStatusResponse',
    null,
    xml('ks:PaymentId', null, text(status.paymentId)),
    xml('ks:Status', null, status.status),
    status.reasonCode ? xml('ks:ReasonCode', null, text(status.reasonCode)) : undefined,
  );

export const readPaymentStatusResponse = (body: XmlElement): PaymentStatus => {
  if (localName(body) !== 'GetPaymentStatusResponse') throw new XmlError(`Expected GetPaymentStatusResponse, got ${localName(body)}`);
  const status = required(body, 'Status');
  if (!(KEYSTONE_STATUSES as readonly string[]).includes(status)) throw new XmlError(`Unknown Status ${status}`);
  const reasonCode = textAt(body, 'ReasonCode');
  return { paymentId: required(body, 'PaymentId'), status: status as KeystoneStatus, ...(reasonCode ? { reasonCode } : {}) };
};

/** A SOAP 1.1 Fault: `soapenv:Client` (our request is wrong) or `soapenv:Server` (the bank's problem), with Keystone's error code. */
export const fault = (code: 'Client' | 'Server', errorCode: string, message: string): string =>
  xml(
    'soapenv:Fault',
    null,
    xml('faultcode', null, `soapenv:${code}`),
    xml('faultstring', null, text(message)),
    xml('detail', null, xml('ks:KeystoneFault', null, xml('ks:ErrorCode', null, text(errorCode)), xml('ks:Message', null, text(message)))),
  );

export interface KeystoneFault {
  readonly code: 'Client' | 'Server';
  readonly errorCode: string;
  readonly message: string;
}

export const readFault = (body: XmlElement): KeystoneFault | undefined => {
  if (localName(body) !== 'Fault') return undefined;
  const faultCode = textAt(body, 'faultcode') ?? '';
  return {
    code: faultCode.endsWith('Client') ? 'Client' : 'Server',
    errorCode: textAt(body, 'detail', 'KeystoneFault', 'ErrorCode') ?? 'UNKNOWN',
    message: textAt(body, 'faultstring') ?? '',
  };
};

export interface StatusNotification {
  readonly notificationId: string;
  readonly paymentId: string;
  readonly endToEndId: string;
  readonly status: 'SETTLED' | 'REJECTED' | 'RETURNED';
  readonly reasonCode?: string;
  readonly reasonText?: string;
  readonly statusTime: string;
}

export const statusNotification = (notification: StatusNotification): string =>
  xml(
    'ks:PaymentStatusNotification',
    null,
    xml('ks:NotificationId', null, text(notification.notificationId)),
    xml('ks:PaymentId', null, text(notification.paymentId)),
    xml('ks:EndToEndId', null, text(notification.endToEndId)),
    xml('ks:Status', null, notification.status),
    notification.reasonCode ? xml('ks:ReasonCode', null, text(notification.reasonCode)) : undefined,
    notification.reasonText ? xml('ks:ReasonText', null, text(notification.reasonText)) : undefined,
    xml('ks:StatusTime', null, text(notification.statusTime)),
  );

export const readStatusNotification = (body: XmlElement): StatusNotification => {
  if (localName(body) !== 'PaymentStatusNotification') throw new XmlError(`Expected PaymentStatusNotification, got ${localName(body)}`);
  const status = required(body, 'Status');
  if (status !== 'SETTLED' && status !== 'REJECTED' && status !== 'RETURNED') throw new XmlError(`Unknown Status ${status}`);
  const reasonCode = textAt(body, 'ReasonCode');
  const reasonText = textAt(body, 'ReasonText');
  return {
    notificationId: required(body, 'NotificationId'),
    paymentId: required(body, 'PaymentId'),
    endToEndId: required(body, 'EndToEndId'),
    status,
    ...(reasonCode ? { reasonCode } : {}),
    ...(reasonText ? { reasonText } : {}),
    statusTime: required(body, 'StatusTime'),
  };
};

export const notificationAck = (notificationId: string): string =>
  envelope(undefined, xml('ks:PaymentStatusNotificationAck', null, xml('ks:NotificationId', null, text(notificationId))));
