/**
 * NACHA ACH files (fixed width: 94-character records, blocked in tens with 9-filled records), as an ODFI
 * takes them: File Header (1), Batch Header (5), Entry Detail (6) with optional Addenda (7), Batch
 * Control (8), File Control (9). One batch of credits (service class 220). Entry addenda: type 05
 * (payment related information) on payments; type 99 (return reason, original trace) on returns.
 * Field positions follow the NACHA Operating Rules' record layouts (1-based, inclusive, in comments).
 */
export const RECORD_LENGTH = 94;

export class NachaFormatError extends Error {
  override readonly name = 'NachaFormatError';
}

/** Alphanumeric field: upper case, printable ASCII only, left-justified, space-filled, cut to length. */
export const alpha = (value: string, length: number): string =>
  value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, ' ')
    .toUpperCase()
    .slice(0, length)
    .padEnd(length, ' ');

/** Numeric field: digits only, right-justified, zero-filled; refuses what does not fit. */
export const numeric = (value: number | string, length: number): string => {
  const digits = String(value);
  if (!/^\d+$/.test(digits) || digits.length > length) throw new NachaFormatError(`'${digits}' does not fit a ${length}-digit field`);
  return digits.padStart(length, '0');
};

const record = (...fields: string[]): string => {
  const line = fields.join('');
  if (line.length !== RECORD_LENGTH) throw new NachaFormatError(`Record of ${line.length} characters: ${line}`);
  return line;
};

const yymmdd = (date: Date): string => date.toISOString().slice(2, 10).replace(/-/g, '');
const hhmm = (date: Date): string => date.toISOString().slice(11, 16).replace(':', '');

export interface NachaEntry {
  /** 22 checking credit, 32 savings credit; 21/31 their returns. */
  readonly transactionCode: '22' | '32' | '21' | '31';
  /** The receiving bank's 9-digit routing number (8-digit RDFI id + check digit). */
  readonly receivingRouting: string;
  readonly accountNumber: string;
  /** Cents. */
  readonly amount: number;
  /** 15 characters; the platform's reference for the payment. */
  readonly individualId: string;
  readonly individualName: string;
  /** 15 digits: ODFI id (8) + sequence (7). */
  readonly traceNumber: string;
  /** Addenda 05: payment related information (80 characters). */
  readonly paymentInformation?: string;
  /** Addenda 99 (returns). */
  readonly returned?: { readonly reasonCode: string; readonly originalTrace: string; readonly originalReceiving: string; readonly information: string };
}

export interface NachaFile {
  /** The ODFI's routing number (9 digits). */
  readonly immediateDestination: string;
  /** The originator's id at the ODFI (10 characters). */
  readonly immediateOrigin: string;
  readonly destinationName: string;
  readonly originName: string;
  readonly createdAt: Date;
  readonly fileIdModifier: string;
  readonly companyName: string;
  /** 10 characters, e.g. "1" + EIN. */
  readonly companyId: string;
  readonly secCode: 'CCD' | 'PPD';
  readonly entryDescription: string;
  /** YYMMDD. */
  readonly effectiveDate: string;
  /** The ODFI's 8-digit id. */
  readonly originatingDfi: string;
  readonly batchNumber: number;
  readonly entries: readonly NachaEntry[];
}

/** The NACHA entry hash: the sum of the 8-digit RDFI ids, its last 10 digits. */
export const entryHash = (entries: readonly Pick<NachaEntry, 'receivingRouting'>[]): string =>
  String(entries.reduce((sum, entry) => sum + Number(entry.receivingRouting.slice(0, 8)), 0) % 10_000_000_000).padStart(10, '0');

export const writeNachaFile = (file: NachaFile): string => {
  const lines: string[] = [];
  // 1-1 type, 2-3 priority, 4-13 destination, 14-23 origin, 24-29 date, 30-33 time, 34 modifier, 35-37 size, 38-39 blocking, 40 format, 41-63, 64-86 names, 87-94 reference
  lines.push(
    record('1', '01', ` ${numeric(file.immediateDestination, 9)}`, alpha(file.immediateOrigin, 10), yymmdd(file.createdAt), hhmm(file.createdAt), alpha(file.fileIdModifier, 1), '094', '10', '1', alpha(file.destinationName, 23), alpha(file.originName, 23), alpha('', 8)),
  );
  const credits = file.entries.filter((entry) => entry.transactionCode === '22' || entry.transactionCode === '32');
  const serviceClass = credits.length === file.entries.length ? '220' : '200';
  // 1 type, 2-4 service class, 5-20 company name, 21-40 discretionary, 41-50 company id, 51-53 SEC, 54-63 description, 64-69 descriptive date, 70-75 effective date, 76-78 settlement, 79 status, 80-87 ODFI, 88-94 batch
  lines.push(
    record('5', serviceClass, alpha(file.companyName, 16), alpha('', 20), alpha(file.companyId, 10), file.secCode, alpha(file.entryDescription, 10), alpha('', 6), numeric(file.effectiveDate, 6), '   ', '1', numeric(file.originatingDfi, 8), numeric(file.batchNumber, 7)),
  );
  let addendaCount = 0;
  for (const entry of file.entries) {
    const addenda = entry.paymentInformation !== undefined || entry.returned !== undefined;
    // 1 type, 2-3 code, 4-11 RDFI, 12 check digit, 13-29 account, 30-39 amount, 40-54 individual id, 55-76 name, 77-78 discretionary, 79 addenda, 80-94 trace
    lines.push(
      record('6', entry.transactionCode, numeric(entry.receivingRouting, 9), alpha(entry.accountNumber, 17), numeric(entry.amount, 10), alpha(entry.individualId, 15), alpha(entry.individualName, 22), '  ', addenda ? '1' : '0', numeric(entry.traceNumber, 15)),
    );
    if (entry.returned) {
      addendaCount += 1;
      // 1 type, 2-3 '99', 4-6 reason, 7-21 original trace, 22-27 date of death, 28-35 original RDFI, 36-79 information, 80-94 trace
      lines.push(
        record('7', '99', alpha(entry.returned.reasonCode, 3), numeric(entry.returned.originalTrace, 15), alpha('', 6), numeric(entry.returned.originalReceiving.slice(0, 8), 8), alpha(entry.returned.information, 44), numeric(entry.traceNumber, 15)),
      );
    } else if (entry.paymentInformation !== undefined) {
      addendaCount += 1;
      // 1 type, 2-3 '05', 4-83 payment related information, 84-87 addenda sequence, 88-94 entry sequence
      lines.push(record('7', '05', alpha(entry.paymentInformation, 80), '0001', entry.traceNumber.slice(-7)));
    }
  }
  const hash = entryHash(file.entries);
  const totalCredit = credits.reduce((sum, entry) => sum + entry.amount, 0);
  const totalDebit = file.entries.reduce((sum, entry) => sum + (credits.includes(entry) ? 0 : entry.amount), 0);
  const entryCount = file.entries.length + addendaCount;
  // 1 type, 2-4 service class, 5-10 count, 11-20 hash, 21-32 debits, 33-44 credits, 45-54 company id, 55-73 MAC, 74-79 reserved, 80-87 ODFI, 88-94 batch
  lines.push(
    record('8', serviceClass, numeric(entryCount, 6), hash, numeric(totalDebit, 12), numeric(totalCredit, 12), alpha(file.companyId, 10), alpha('', 19), alpha('', 6), numeric(file.originatingDfi, 8), numeric(file.batchNumber, 7)),
  );
  const recordCount = lines.length + 1;
  const blocks = Math.ceil(recordCount / 10);
  // 1 type, 2-7 batches, 8-13 blocks, 14-21 entries + addenda, 22-31 hash, 32-43 debits, 44-55 credits, 56-94 reserved
  lines.push(record('9', numeric(1, 6), numeric(blocks, 6), numeric(entryCount, 8), hash, numeric(totalDebit, 12), numeric(totalCredit, 12), alpha('', 39)));
  while (lines.length % 10 !== 0) lines.push('9'.repeat(RECORD_LENGTH));
  return `${lines.join('\n')}\n`;
};

const field = (line: string, from: number, to: number): string => line.slice(from - 1, to);

/**
 * Reads a file written as above (by us, or an RDFI's return file): checks record lengths, the batch and
 * file totals and the entry hash, and returns the header fields and entries with their addenda.
 */
export const readNachaFile = (text: string): NachaFile => {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0 && line !== '9'.repeat(RECORD_LENGTH));
  for (const line of lines) if (line.length !== RECORD_LENGTH) throw new NachaFormatError(`A record of ${line.length} characters: every record has ${RECORD_LENGTH}`);
  const header = lines.find((line) => line.startsWith('1'));
  const batch = lines.find((line) => line.startsWith('5'));
  const control = lines.find((line) => line.startsWith('8'));
  const fileControl = lines.find((line) => line.startsWith('9'));
  if (!header || !batch || !control || !fileControl) throw new NachaFormatError('A file needs a file header, a batch header, a batch control and a file control');
  const entries: NachaEntry[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as string;
    if (!line.startsWith('6')) continue;
    const addendaLine = field(line, 79, 79) === '1' ? lines[index + 1] : undefined;
    if (field(line, 79, 79) === '1' && !addendaLine?.startsWith('7')) throw new NachaFormatError('An entry announces an addenda record that is missing');
    const base = {
      transactionCode: field(line, 2, 3) as NachaEntry['transactionCode'],
      receivingRouting: field(line, 4, 12),
      accountNumber: field(line, 13, 29).trim(),
      amount: Number(field(line, 30, 39)),
      individualId: field(line, 40, 54).trim(),
      individualName: field(line, 55, 76).trim(),
      traceNumber: field(line, 80, 94),
    };
    if (addendaLine && field(addendaLine, 2, 3) === '99') {
      entries.push({
        ...base,
        returned: {
          reasonCode: field(addendaLine, 4, 6),
          originalTrace: field(addendaLine, 7, 21),
          originalReceiving: field(addendaLine, 28, 35),
          information: field(addendaLine, 36, 79).trim(),
        },
      });
    } else if (addendaLine) {
      entries.push({ ...base, paymentInformation: field(addendaLine, 4, 83).trim() });
    } else {
      entries.push(base);
    }
  }
  const addenda = lines.filter((line) => line.startsWith('7')).length;
  if (Number(field(control, 5, 10)) !== entries.length + addenda) throw new NachaFormatError('The batch control count does not match the entries');
  if (field(control, 11, 20) !== entryHash(entries)) throw new NachaFormatError('The batch control entry hash does not match the entries');
  const credits = entries.filter((entry) => entry.transactionCode === '22' || entry.transactionCode === '32').reduce((sum, entry) => sum + entry.amount, 0);
  if (Number(field(control, 33, 44)) !== credits) throw new NachaFormatError('The batch control credit total does not match the entries');
  if (field(fileControl, 22, 31) !== entryHash(entries)) throw new NachaFormatError('The file control entry hash does not match');
  const created = field(header, 24, 29);
  const time = field(header, 30, 33);
  return {
    immediateDestination: field(header, 5, 13),
    immediateOrigin: field(header, 14, 23).trim(),
    destinationName: field(header, 41, 63).trim(),
    originName: field(header, 64, 86).trim(),
    createdAt: new Date(`20${created.slice(0, 2)}-${created.slice(2, 4)}-${created.slice(4, 6)}T${time.slice(0, 2)}:${time.slice(2, 4)}:00Z`),
    fileIdModifier: field(header, 34, 34),
    companyName: field(batch, 5, 20).trim(),
    companyId: field(batch, 41, 50).trim(),
    secCode: field(batch, 51, 53) as NachaFile['secCode'],
    entryDescription: field(batch, 54, 63).trim(),
    effectiveDate: field(batch, 70, 75),
    originatingDfi: field(batch, 80, 87),
    batchNumber: Number(field(batch, 88, 94)),
    entries,
  };
};
