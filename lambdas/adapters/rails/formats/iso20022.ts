import { fromDecimalAmount, toDecimalAmount } from '../amounts';
import { XmlError, type XmlElement, at, childrenNamed, parseXml, text, textAt, xml } from '../xml';

/**
 * The ISO 20022 messages of a SEPA Credit Transfer file channel, in the subset banks require:
 *   pain.001.001.09  Customer Credit Transfer Initiation   (we send)
 *   pain.002.001.10  Customer Payment Status Report        (the bank sends: ACCP accepted, ACSC settled, RJCT rejected)
 *   pacs.004.001.09  Payment Return                        (the bank sends: a settled payment came back)
 * Element names and nesting follow the ISO 20022 message definitions (and the EPC SCT implementation
 * guidelines: service level SEPA, charge bearer SLEV, unstructured remittance at most 140 characters).
 */
export const PAIN_001 = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09';
export const PAIN_002 = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.10';
export const PACS_004 = 'urn:iso:std:iso:20022:tech:xsd:pacs.004.001.09';

const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n';

export interface CreditTransfer {
  readonly endToEndId: string;
  readonly amount: number;
  readonly currency: string;
  readonly creditorName: string;
  readonly creditorCountry: string;
  readonly creditorIban: string;
  readonly creditorBic?: string;
  readonly remittance: string;
}

export interface CreditTransferInitiation {
  readonly messageId: string;
  readonly createdAt: string;
  readonly initiatingParty: string;
  readonly debtorName: string;
  readonly debtorIban: string;
  readonly debtorBic: string;
  /** YYYY-MM-DD. */
  readonly requestedExecutionDate: string;
  readonly transfers: readonly CreditTransfer[];
}

const sum = (transfers: readonly CreditTransfer[]): string =>
  toDecimalAmount(
    transfers.reduce((total, transfer) => total + transfer.amount, 0),
    transfers[0]?.currency ?? 'EUR',
  );

export const writePain001 = (message: CreditTransferInitiation): string =>
  declaration +
  xml(
    'Document',
    { xmlns: PAIN_001 },
    xml(
      'CstmrCdtTrfInitn',
      null,
      xml(
        'GrpHdr',
        null,
        xml('MsgId', null, text(message.messageId)),
        xml('CreDtTm', null, text(message.createdAt)),
        xml('NbOfTxs', null, text(message.transfers.length)),
        xml('CtrlSum', null, sum(message.transfers)),
        xml('InitgPty', null, xml('Nm', null, text(message.initiatingParty))),
      ),
      xml(
        'PmtInf',
        null,
        xml('PmtInfId', null, text(message.messageId)),
        xml('PmtMtd', null, 'TRF'),
        xml('NbOfTxs', null, text(message.transfers.length)),
        xml('CtrlSum', null, sum(message.transfers)),
        xml('PmtTpInf', null, xml('SvcLvl', null, xml('Cd', null, 'SEPA'))),
        xml('ReqdExctnDt', null, xml('Dt', null, text(message.requestedExecutionDate))),
        xml('Dbtr', null, xml('Nm', null, text(message.debtorName))),
        xml('DbtrAcct', null, xml('Id', null, xml('IBAN', null, text(message.debtorIban)))),
        xml('DbtrAgt', null, xml('FinInstnId', null, xml('BICFI', null, text(message.debtorBic)))),
        xml('ChrgBr', null, 'SLEV'),
        message.transfers.map((transfer) =>
          xml(
            'CdtTrfTxInf',
            null,
            xml('PmtId', null, xml('EndToEndId', null, text(transfer.endToEndId))),
            xml('Amt', null, xml('InstdAmt', { Ccy: transfer.currency }, toDecimalAmount(transfer.amount, transfer.currency))),
            transfer.creditorBic ? xml('CdtrAgt', null, xml('FinInstnId', null, xml('BICFI', null, text(transfer.creditorBic)))) : undefined,
            xml('Cdtr', null, xml('Nm', null, text(transfer.creditorName.slice(0, 70))), xml('PstlAdr', null, xml('Ctry', null, text(transfer.creditorCountry)))),
            xml('CdtrAcct', null, xml('Id', null, xml('IBAN', null, text(transfer.creditorIban)))),
            xml('RmtInf', null, xml('Ustrd', null, text(transfer.remittance.slice(0, 140)))),
          ),
        ),
      ),
    ),
  );

const requireText = (element: XmlElement | undefined, ...path: string[]): string => {
  const value = textAt(element, ...path);
  if (value === undefined || value === '') throw new XmlError(`Missing ${path.join('/')}`);
  return value;
};

const documentOf = (source: string, namespace: string, root: string): XmlElement => {
  const document = parseXml(source);
  if (document.attributes.xmlns !== namespace) throw new XmlError(`Not a ${namespace} document`);
  const body = at(document, root);
  if (!body) throw new XmlError(`Missing ${root}`);
  return body;
};

export const readPain001 = (source: string): CreditTransferInitiation => {
  const body = documentOf(source, PAIN_001, 'CstmrCdtTrfInitn');
  const payment = at(body, 'PmtInf');
  const transfers = childrenNamed(payment as XmlElement, 'CdtTrfTxInf').map((transaction): CreditTransfer => {
    const amount = at(transaction, 'Amt', 'InstdAmt');
    const currency = amount?.attributes.Ccy ?? '';
    const bic = textAt(transaction, 'CdtrAgt', 'FinInstnId', 'BICFI');
    return {
      endToEndId: requireText(transaction, 'PmtId', 'EndToEndId'),
      amount: fromDecimalAmount(requireText(transaction, 'Amt', 'InstdAmt'), currency),
      currency,
      creditorName: requireText(transaction, 'Cdtr', 'Nm'),
      creditorCountry: requireText(transaction, 'Cdtr', 'PstlAdr', 'Ctry'),
      creditorIban: requireText(transaction, 'CdtrAcct', 'Id', 'IBAN'),
      ...(bic ? { creditorBic: bic } : {}),
      remittance: textAt(transaction, 'RmtInf', 'Ustrd') ?? '',
    };
  });
  if (Number(requireText(body, 'GrpHdr', 'NbOfTxs')) !== transfers.length) throw new XmlError('GrpHdr/NbOfTxs does not match the transactions');
  if (transfers.length > 0 && requireText(body, 'GrpHdr', 'CtrlSum') !== sum(transfers)) throw new XmlError('GrpHdr/CtrlSum does not match the transactions');
  return {
    messageId: requireText(body, 'GrpHdr', 'MsgId'),
    createdAt: requireText(body, 'GrpHdr', 'CreDtTm'),
    initiatingParty: requireText(body, 'GrpHdr', 'InitgPty', 'Nm'),
    debtorName: requireText(payment, 'Dbtr', 'Nm'),
    debtorIban: requireText(payment, 'DbtrAcct', 'Id', 'IBAN'),
    debtorBic: requireText(payment, 'DbtrAgt', 'FinInstnId', 'BICFI'),
    requestedExecutionDate: requireText(payment, 'ReqdExctnDt', 'Dt'),
    transfers,
  };
};

export interface TransactionStatus {
  readonly endToEndId: string;
  /** ACCP accepted for execution, ACSC settled on the creditor's account, RJCT rejected. */
  readonly status: 'ACCP' | 'ACSC' | 'RJCT';
  readonly reasonCode?: string;
  readonly information?: string;
}

export interface PaymentStatusReport {
  readonly messageId: string;
  readonly createdAt: string;
  readonly originalMessageId: string;
  readonly statuses: readonly TransactionStatus[];
}

export const writePain002 = (report: PaymentStatusReport): string =>
  declaration +
  xml(
    'Document',
    { xmlns: PAIN_002 },
    xml(
      'CstmrPmtStsRpt',
      null,
      xml('GrpHdr', null, xml('MsgId', null, text(report.messageId)), xml('CreDtTm', null, text(report.createdAt))),
      xml('OrgnlGrpInfAndSts', null, xml('OrgnlMsgId', null, text(report.originalMessageId)), xml('OrgnlMsgNmId', null, 'pain.001.001.09')),
      xml(
        'OrgnlPmtInfAndSts',
        null,
        xml('OrgnlPmtInfId', null, text(report.originalMessageId)),
        report.statuses.map((status) =>
          xml(
            'TxInfAndSts',
            null,
            xml('OrgnlEndToEndId', null, text(status.endToEndId)),
            xml('TxSts', null, status.status),
            status.reasonCode
              ? xml('StsRsnInf', null, xml('Rsn', null, xml('Cd', null, text(status.reasonCode))), status.information ? xml('AddtlInf', null, text(status.information.slice(0, 105))) : undefined)
              : undefined,
          ),
        ),
      ),
    ),
  );

export const readPain002 = (source: string): PaymentStatusReport => {
  const body = documentOf(source, PAIN_002, 'CstmrPmtStsRpt');
  const statuses = childrenNamed(at(body, 'OrgnlPmtInfAndSts') as XmlElement, 'TxInfAndSts').map((status): TransactionStatus => {
    const code = requireText(status, 'TxSts');
    if (code !== 'ACCP' && code !== 'ACSC' && code !== 'RJCT') throw new XmlError(`Unknown TxSts ${code}`);
    const reason = textAt(status, 'StsRsnInf', 'Rsn', 'Cd');
    const information = textAt(status, 'StsRsnInf', 'AddtlInf');
    return { endToEndId: requireText(status, 'OrgnlEndToEndId'), status: code, ...(reason ? { reasonCode: reason } : {}), ...(information ? { information } : {}) };
  });
  return {
    messageId: requireText(body, 'GrpHdr', 'MsgId'),
    createdAt: requireText(body, 'GrpHdr', 'CreDtTm'),
    originalMessageId: requireText(body, 'OrgnlGrpInfAndSts', 'OrgnlMsgId'),
    statuses,
  };
};

export interface PaymentReturn {
  readonly returnId: string;
  readonly endToEndId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reasonCode: string;
  readonly information?: string;
}

export interface PaymentReturnMessage {
  readonly messageId: string;
  readonly createdAt: string;
  readonly returns: readonly PaymentReturn[];
}

export const writePacs004 = (message: PaymentReturnMessage): string =>
  declaration +
  xml(
    'Document',
    { xmlns: PACS_004 },
    xml(
      'PmtRtr',
      null,
      xml('GrpHdr', null, xml('MsgId', null, text(message.messageId)), xml('CreDtTm', null, text(message.createdAt)), xml('NbOfTxs', null, text(message.returns.length))),
      message.returns.map((item) =>
        xml(
          'TxInf',
          null,
          xml('RtrId', null, text(item.returnId)),
          xml('OrgnlEndToEndId', null, text(item.endToEndId)),
          xml('RtrdIntrBkSttlmAmt', { Ccy: item.currency }, toDecimalAmount(item.amount, item.currency)),
          xml('RtrRsnInf', null, xml('Rsn', null, xml('Cd', null, text(item.reasonCode))), item.information ? xml('AddtlInf', null, text(item.information.slice(0, 105))) : undefined),
        ),
      ),
    ),
  );

export const readPacs004 = (source: string): PaymentReturnMessage => {
  const body = documentOf(source, PACS_004, 'PmtRtr');
  const returns = childrenNamed(body, 'TxInf').map((item): PaymentReturn => {
    const amount = at(item, 'RtrdIntrBkSttlmAmt');
    const currency = amount?.attributes.Ccy ?? '';
    const information = textAt(item, 'RtrRsnInf', 'AddtlInf');
    return {
      returnId: requireText(item, 'RtrId'),
      endToEndId: requireText(item, 'OrgnlEndToEndId'),
      amount: fromDecimalAmount(requireText(item, 'RtrdIntrBkSttlmAmt'), currency),
      currency,
      reasonCode: requireText(item, 'RtrRsnInf', 'Rsn', 'Cd'),
      ...(information ? { information } : {}),
    };
  });
  return { messageId: requireText(body, 'GrpHdr', 'MsgId'), createdAt: requireText(body, 'GrpHdr', 'CreDtTm'), returns };
};
