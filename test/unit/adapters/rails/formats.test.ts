import { fromDecimalAmount, toDecimalAmount } from '../../../../lambdas/adapters/rails/amounts';
import { readPacs004, readPain001, readPain002, writePacs004, writePain001, writePain002 } from '../../../../lambdas/adapters/rails/formats/iso20022';
import {
  KEYSTONE_NS,
  envelope,
  fault,
  readEnvelope,
  readFault,
  readStatusNotification,
  readSubmitPaymentRequest,
  statusNotification,
  submitPaymentRequest,
} from '../../../../lambdas/adapters/rails/formats/keystone-soap';
import { readStatusReport, writeStatusReport } from '../../../../lambdas/adapters/rails/formats/meridian-status';
import { NachaFormatError, entryHash, readNachaFile, writeNachaFile } from '../../../../lambdas/adapters/rails/formats/nacha';
import { XmlError, parseXml, textAt, xml, text } from '../../../../lambdas/adapters/rails/xml';
import { platformCode, schemeCode } from '../../../../lambdas/domain/payouts/rail-reasons';
import { scenarioOf } from '../../../../local/simulators/payout-rails/scenarios';

/** The rails' wire formats: fixed-width NACHA and status records, ISO 20022 XML, SOAP envelopes. */
const nachaFile = {
  immediateDestination: '267000416',
  immediateOrigin: '1987654321',
  destinationName: 'Meridian Bank',
  originName: 'xborder payments',
  createdAt: new Date('2026-11-21T09:30:00Z'),
  fileIdModifier: 'A',
  companyName: 'XBORDER PAYMENTS',
  companyId: '1987654321',
  secCode: 'CCD' as const,
  entryDescription: 'PAYOUT',
  effectiveDate: '261121',
  originatingDfi: '26700041',
  batchNumber: 1,
  entries: [
    { transactionCode: '22' as const, receivingRouting: '021000021', accountNumber: '000123456789', amount: 40_000, individualId: 'XBABCDEFGHIJKLM', individualName: 'Lakeside Lümber LLC', traceNumber: '267000410000001', paymentInformation: 'INV-2026-0042' },
  ],
};

describe('NACHA', () => {
  const text = writeNachaFile(nachaFile);
  const lines = text.trimEnd().split('\n');

  it('writes 94-character records blocked in tens, with the record types in order', () => {
    expect(lines).toHaveLength(10);
    expect(lines.every((line) => line.length === 94)).toBe(true);
    expect(lines.map((line) => line[0]).join('')).toBe('1567899999');
  });

  it('puts each field at its NACHA position', () => {
    const [header, batch, entry, addenda, control, fileControl] = lines as [string, string, string, string, string, string];
    expect(header.slice(3, 13)).toBe(' 267000416'); // 4-13 immediate destination
    expect(header.slice(23, 29)).toBe('261121'); // 24-29 file creation date
    expect(header.slice(34, 40)).toBe('094101'); // 35-37 record size, 38-39 blocking factor, 40 format code
    expect(batch.slice(1, 4)).toBe('220'); // credits only
    expect(batch.slice(50, 53)).toBe('CCD');
    expect(entry.slice(1, 3)).toBe('22'); // checking credit
    expect(entry.slice(3, 12)).toBe('021000021'); // RDFI + check digit
    expect(entry.slice(12, 29)).toBe('000123456789     '); // account, left-justified
    expect(entry.slice(29, 39)).toBe('0000040000'); // $400.00 in cents
    expect(entry.slice(54, 76)).toBe('LAKESIDE LUMBER LLC   '); // name, diacritics folded
    expect(entry[78]).toBe('1'); // addenda follows
    expect(addenda.slice(0, 3)).toBe('705');
    expect(control.slice(10, 20)).toBe(entryHash(nachaFile.entries));
    expect(control.slice(10, 20)).toBe('0002100002'); // the sum of the 8-digit RDFI ids (02100002), 10 digits
    expect(control.slice(32, 44)).toBe('000000040000');
    expect(fileControl.slice(1, 13)).toBe('000001000001'); // 1 batch, 1 block
  });

  it('reads back what it writes, and a return entry with its addenda 99', () => {
    const read = readNachaFile(text);
    expect(read.entries).toEqual([{ ...nachaFile.entries[0], individualName: 'LAKESIDE LUMBER LLC', paymentInformation: 'INV-2026-0042' }]);
    const returned = readNachaFile(
      writeNachaFile({
        ...nachaFile,
        entries: [{ ...nachaFile.entries[0]!, transactionCode: '21', paymentInformation: undefined, returned: { reasonCode: 'R02', originalTrace: '267000410000001', originalReceiving: '021000021', information: 'ACCOUNT CLOSED' } }],
      }),
    );
    expect(returned.entries[0]?.returned).toEqual({ reasonCode: 'R02', originalTrace: '267000410000001', originalReceiving: '02100002', information: 'ACCOUNT CLOSED' });
  });

  it('refuses a file whose totals do not add up, or a short record', () => {
    expect(() => readNachaFile(text.replace('0000040000XBABCDEFGHIJKLM', '0000040001XBABCDEFGHIJKLM'))).toThrow(NachaFormatError);
    expect(() => readNachaFile(text.replace(/^1.*$/m, '101'))).toThrow(/every record has 94/);
  });
});

describe('Meridian status reports', () => {
  it('round-trips 80-character records and checks the trailer count', () => {
    const report = { bankId: 'MERIDIAN', reportId: 'STS1', createdAt: '20261121093000', originalFile: 'ACH_X.ach', details: [{ individualId: 'XBABC', traceNumber: '267000410000001', status: 'REJECTED' as const, reasonCode: 'R03', amount: 400, date: '20261121' }] };
    const written = writeStatusReport(report);
    expect(written.split('\n').filter(Boolean).every((line) => line.length === 80)).toBe(true);
    expect(readStatusReport(written)).toEqual(report);
    expect(() => readStatusReport(written.replace(/^T000001/m, 'T000002'))).toThrow(/trailer count/);
  });
});

describe('ISO 20022', () => {
  const initiation = {
    messageId: 'XB-po_1',
    createdAt: '2026-11-21T09:30:00.000Z',
    initiatingParty: 'xborder Payments Ltd',
    debtorName: 'xborder Payments Ltd',
    debtorIban: 'DE12500105170648489890',
    debtorBic: 'MRDNDEFFXXX',
    requestedExecutionDate: '2026-11-21',
    transfers: [{ endToEndId: 'po_1', amount: 123_45, currency: 'EUR', creditorName: 'Jana Nováková & Söhne <GmbH>', creditorCountry: 'DE', creditorIban: 'DE89370400440532013000', creditorBic: 'COBADEFFXXX', remittance: 'Invoice 77' }],
  };

  it('writes a pain.001 with SEPA service level and control sums, escaped, and reads it back', () => {
    const document = writePain001(initiation);
    expect(document).toContain('xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"');
    expect(document).toContain('<CtrlSum>123.45</CtrlSum>');
    expect(document).toContain('<InstdAmt Ccy="EUR">123.45</InstdAmt>');
    expect(document).toContain('Jana Nováková &amp; Söhne &lt;GmbH&gt;');
    expect(readPain001(document)).toEqual(initiation);
    expect(() => readPain001(document.replace('<NbOfTxs>1</NbOfTxs>', '<NbOfTxs>2</NbOfTxs>'))).toThrow(/NbOfTxs/);
  });

  it('reads status reports and returns as the bank writes them', () => {
    const report = { messageId: 'S1', createdAt: '2026-11-21T10:00:00Z', originalMessageId: 'XB-po_1', statuses: [{ endToEndId: 'po_1', status: 'RJCT' as const, reasonCode: 'AC04', information: 'Closed' }, { endToEndId: 'po_2', status: 'ACSC' as const }] };
    expect(readPain002(writePain002(report))).toEqual(report);
    const returns = { messageId: 'R1', createdAt: '2026-11-22T10:00:00Z', returns: [{ returnId: 'RTR1', endToEndId: 'po_1', amount: 1_000, currency: 'EUR', reasonCode: 'AC04', information: 'Closed' }] };
    expect(readPacs004(writePacs004(returns))).toEqual(returns);
  });
});

describe('SOAP', () => {
  const payment = { messageId: 'po_1', endToEndId: 'po_1', scheme: 'EFT' as const, amount: '252.65', currency: 'CAD', creditorName: 'Maple Leaf Supplies Inc.', creditorCountry: 'CA', accountNumber: '9876543210', institutionNumber: '004', transitNumber: '12345', remittance: 'INV-42' };

  it('wraps requests, responses, faults and notifications in SOAP 1.1 envelopes and reads them back', () => {
    const request = readEnvelope(envelope('<ks:Authentication/>', submitPaymentRequest(payment)));
    expect(readSubmitPaymentRequest(request.body)).toEqual(payment);
    const faulted = readEnvelope(envelope(undefined, fault('Client', 'ACCOUNT_CLOSED', 'closed')));
    expect(readFault(faulted.body)).toEqual({ code: 'Client', errorCode: 'ACCOUNT_CLOSED', message: 'closed' });
    const notification = { notificationId: 'n1', paymentId: 'KS1', endToEndId: 'po_1', status: 'RETURNED' as const, reasonCode: 'AC04', reasonText: 'Closed', statusTime: '2026-11-21T10:00:00Z' };
    expect(readStatusNotification(readEnvelope(envelope(undefined, statusNotification(notification))).body)).toEqual(notification);
    expect(envelope(undefined, '<x/>')).toContain(`xmlns:ks="${KEYSTONE_NS}"`);
  });
});

describe('XML', () => {
  it('parses elements, attributes, entities, CDATA and comments, and refuses DOCTYPEs', () => {
    const root = parseXml('<?xml version="1.0"?><!-- c --><a x="1 &amp; 2"><b>&lt;&#65;&#x42;&gt;</b><c><![CDATA[<raw>]]></c></a>');
    expect(root.attributes.x).toBe('1 & 2');
    expect(textAt(root, 'b')).toBe('<AB>');
    expect(textAt(root, 'c')).toBe('<raw>');
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')).toThrow(XmlError);
    expect(() => parseXml('<a><b></a>')).toThrow(/Expected <\/b>/);
    expect(xml('n', { q: '"' }, text('<&>'))).toBe('<n q="&quot;">&lt;&amp;&gt;</n>');
  });
});

describe('amounts and reason codes', () => {
  it('writes minor units as decimals in 0-, 2- and 3-decimal currencies and reads them back exactly', () => {
    expect([toDecimalAmount(150_000, 'JPY'), toDecimalAmount(5, 'USD'), toDecimalAmount(1_234, 'KWD')]).toEqual(['150000', '0.05', '1.234']);
    expect([fromDecimalAmount('150000', 'JPY'), fromDecimalAmount('0.05', 'USD'), fromDecimalAmount('1.2', 'KWD')]).toEqual([150_000, 5, 1_200]);
    expect(() => fromDecimalAmount('1.234', 'USD')).toThrow(RangeError);
  });

  it('maps each scheme\'s codes to the platform\'s and back', () => {
    expect([schemeCode('nacha', 'account_closed'), schemeCode('iso20022', 'account_closed'), schemeCode('instant', 'account_closed')]).toEqual(['R02', 'AC04', 'AC07']);
    expect([platformCode('nacha', 'R03'), platformCode('iso20022', 'AC01'), platformCode('instant', 'ZZ99')]).toEqual(['no_account', 'invalid_account', 'other']);
  });
});

describe('simulator directives', () => {
  it.each([
    ['Invoice 77', { kind: 'settle' }, 0],
    ['sim:return:account-closed', { kind: 'return', reason: 'account_closed' }, 0],
    ['SIM:RETURN:no-account:250', { kind: 'return', reason: 'no_account', afterMs: 250 }, 0],
    ['x sim:fail:refused-by-bank', { kind: 'fail', reason: 'refused_by_bank' }, 0],
    ['sim:reject:whatever', { kind: 'reject', reason: 'other' }, 0],
    ['sim:delay:5000', { kind: 'settle', delayMs: 5_000 }, 0],
    ['sim:unavailable:2', { kind: 'settle' }, 2],
    ['sim:silent', { kind: 'silent' }, 0],
  ])('%s', (reference, behaviour, unavailableTimes) => {
    expect(scenarioOf(reference)).toEqual({ behaviour, unavailableTimes });
  });
});
