import { parse } from 'csv-parse/sync';
import { isSupportedCurrency, minorUnits } from '../money';

/**
 * An acquirer's settlement details report: one CSV file per settlement batch, one line per settled
 * capture, refund, chargeback or fee, in the shape real acquirers publish (Adyen's "Settlement details
 * report", Worldpay's transaction detail file): the batch, our reference (the payment id we sent as
 * `payment_reference`), theirs (the capture, refund or chargeback id), the type, the gross amount, the
 * interchange and scheme fees the acquirer kept, the net, the currency and the value date.
 *
 *   batch_id,our_reference,their_reference,type,gross,interchange_fee,scheme_fee,net,currency,value_date
 *   stl_atlas_usd_20261206_001,pay_…,cap_…,capture,100.00,2.70,0.50,96.80,USD,2026-12-07
 *   …
 *   stl_atlas_usd_20261206_001,,pout_…,payout,1234.00,30.10,6.20,1197.70,USD,2026-12-07
 *
 * Amounts are decimal strings with exactly the currency's minor digits (`-12.50`, `1200` for JPY); fees
 * are what the acquirer deducted (≥ 0) and net = gross − interchange − scheme on every line. The last line
 * (`payout`) is the batch's transfer to the platform's bank account, with the sums of every other line's
 * gross, fees and net in its columns: a file without it, or whose sums differ, is truncated or altered and
 * is refused whole. Parsing is csv-parse's (RFC 4180); the checks here are the format's own.
 */
export const REPORT_COLUMNS = [
  'batch_id',
  'our_reference',
  'their_reference',
  'type',
  'gross',
  'interchange_fee',
  'scheme_fee',
  'net',
  'currency',
  'value_date',
] as const;

export const LINE_TYPES = ['capture', 'refund', 'chargeback', 'fee'] as const;
export type ReportLineType = (typeof LINE_TYPES)[number];

export interface ReportLine {
  /** 1-based line number in the file (the header is line 1): what an operator is pointed at. */
  readonly lineNumber: number;
  readonly batchId: string;
  readonly ourReference: string;
  readonly theirReference: string;
  readonly type: ReportLineType;
  /** Minor units; refunds and chargebacks are negative. */
  readonly gross: number;
  readonly interchangeFee: number;
  readonly schemeFee: number;
  readonly net: number;
  readonly currency: string;
  readonly valueDate: string;
}

export interface ReportTotals {
  readonly gross: number;
  readonly interchangeFee: number;
  readonly schemeFee: number;
  readonly net: number;
}

export interface SettlementReport {
  readonly batchId: string;
  readonly valueDate: string;
  /** The payout line's currency: the batch's. */
  readonly currency: string;
  readonly payoutReference: string;
  readonly lines: readonly ReportLine[];
  readonly totals: ReportTotals;
}

export const REPORT_REJECTIONS = [
  'not_csv',
  'wrong_columns',
  'empty',
  'invalid_field',
  'net_mismatch',
  'mixed_batch',
  'truncated',
  'control_totals_mismatch',
  'too_large',
] as const;
export type ReportRejection = (typeof REPORT_REJECTIONS)[number];

/** Why a file is refused whole, where (line number, field) and what an operator should know. */
export class SettlementReportRejectedError extends Error {
  override readonly name = 'SettlementReportRejected';
  constructor(
    readonly reason: ReportRejection,
    message: string,
    readonly lineNumber?: number,
  ) {
    super(lineNumber === undefined ? message : `line ${lineNumber}: ${message}`);
  }
}

/** Files above this many lines are refused: a batch is a day of one channel in one currency. */
export const MAX_REPORT_LINES = 200_000;

const BATCH_ID = /^[A-Za-z0-9_-]{1,64}$/;
const REFERENCE = /^[A-Za-z0-9_-]{1,128}$/;
const VALUE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Decimal text with exactly the currency's minor digits → integer minor units; undefined if malformed. */
export const parseAmount = (text: string, currency: string): number | undefined => {
  const digits = minorUnits(currency);
  const pattern = digits === 0 ? /^-?\d{1,15}$/ : new RegExp(`^-?\\d{1,15}\\.\\d{${digits}}$`);
  if (!pattern.test(text)) return undefined;
  const value = Number(text.replace('.', ''));
  return Number.isSafeInteger(value) ? (Object.is(value, -0) ? 0 : value) : undefined;
};

/** Integer minor units → the report's decimal text (`-1250`, USD → `-12.50`). */
export const formatAmount = (amount: number, currency: string): string => {
  const digits = minorUnits(currency);
  const sign = amount < 0 ? '-' : '';
  const units = Math.abs(amount).toString().padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${units}` : `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
};

const isRealDate = (text: string): boolean => VALUE_DATE.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);

const sumOf = (lines: readonly ReportLine[]): ReportTotals =>
  lines.reduce(
    (sum, line) => ({
      gross: sum.gross + line.gross,
      interchangeFee: sum.interchangeFee + line.interchangeFee,
      schemeFee: sum.schemeFee + line.schemeFee,
      net: sum.net + line.net,
    }),
    { gross: 0, interchangeFee: 0, schemeFee: 0, net: 0 },
  );

/** The sums a batch's payout line carries. */
export const reportTotals = sumOf;

/**
 * Parse and check a whole report; throws SettlementReportRejectedError naming the first problem. Nothing
 * of a refused file is used: a report is applied whole or not at all.
 */
export const parseSettlementReport = (text: string): SettlementReport => {
  // A final line break is a format requirement: a file cut mid-line must not parse as complete.
  if (text.length > 0 && !text.endsWith('\n')) throw new SettlementReportRejectedError('truncated', 'the file does not end with a line break: cut short');
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, relax_column_count: false, skip_empty_lines: false, trim: false }) as string[][];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new SettlementReportRejectedError('not_csv', `not a well-formed CSV file (${(error as Error).message})`, line);
  }
  const [header, ...body] = rows;
  if (!header) throw new SettlementReportRejectedError('empty', 'the file is empty');
  if (header.length !== REPORT_COLUMNS.length || header.some((name, index) => name !== REPORT_COLUMNS[index])) {
    throw new SettlementReportRejectedError('wrong_columns', `the header must be exactly: ${REPORT_COLUMNS.join(',')}`, 1);
  }
  if (body.length === 0) throw new SettlementReportRejectedError('truncated', 'no lines and no payout line', 1);
  if (body.length > MAX_REPORT_LINES) throw new SettlementReportRejectedError('too_large', `more than ${MAX_REPORT_LINES} lines`);
  const lines: ReportLine[] = [];
  let payout: (ReportLine & { readonly isPayout: true }) | undefined;
  let batchId: string | undefined;
  let valueDate: string | undefined;
  body.forEach((row, index) => {
    const lineNumber = index + 2;
    const invalid = (field: string, detail: string) => new SettlementReportRejectedError('invalid_field', `${field} ${detail}`, lineNumber);
    if (payout) throw new SettlementReportRejectedError('truncated', 'a line after the payout line (the payout line must be last)', lineNumber);
    const [batch = '', ours = '', theirs = '', type = '', gross = '', interchange = '', scheme = '', net = '', currency = '', date = ''] = row;
    if (!BATCH_ID.test(batch)) throw invalid('batch_id', 'must be 1 to 64 letters, digits, "_" or "-"');
    if (!isSupportedCurrency(currency)) throw invalid('currency', `'${currency}' is not a supported ISO 4217 code`);
    if (!isRealDate(date)) throw invalid('value_date', 'must be a date YYYY-MM-DD');
    if (batchId !== undefined && (batch !== batchId || date !== valueDate)) {
      throw new SettlementReportRejectedError('mixed_batch', `batch ${batch} / ${date} in a file of batch ${batchId} / ${valueDate}`, lineNumber);
    }
    batchId = batch;
    valueDate = date;
    const isPayout = type === 'payout';
    if (!isPayout && !(LINE_TYPES as readonly string[]).includes(type)) throw invalid('type', `must be one of ${[...LINE_TYPES, 'payout'].join(', ')}`);
    if (!REFERENCE.test(theirs)) throw invalid('their_reference', 'must be 1 to 128 letters, digits, "_" or "-"');
    if (isPayout || type === 'fee' ? ours !== '' && !REFERENCE.test(ours) : !REFERENCE.test(ours)) {
      throw invalid('our_reference', 'must be 1 to 128 letters, digits, "_" or "-"');
    }
    const amounts = ([['gross', gross], ['interchange_fee', interchange], ['scheme_fee', scheme], ['net', net]] as const).map(([field, value]) => {
      const amount = parseAmount(value, currency);
      if (amount === undefined) throw invalid(field, `'${value}' is not an amount with ${minorUnits(currency)} decimals in ${currency}`);
      return amount;
    }) as [number, number, number, number];
    const [grossAmount, interchangeFee, schemeFee, netAmount] = amounts;
    if (interchangeFee < 0 || schemeFee < 0) throw invalid('interchange_fee/scheme_fee', 'must not be negative (fees are what the acquirer kept)');
    if (!isPayout) {
      if (type === 'capture' && grossAmount <= 0) throw invalid('gross', 'of a capture must be positive');
      if ((type === 'refund' || type === 'chargeback') && grossAmount >= 0) throw invalid('gross', `of a ${type} must be negative`);
      if (type === 'fee' && grossAmount !== 0) throw invalid('gross', 'of a fee line must be 0');
    }
    if (netAmount !== grossAmount - interchangeFee - schemeFee) {
      throw new SettlementReportRejectedError('net_mismatch', `net ${net} is not gross − interchange_fee − scheme_fee`, lineNumber);
    }
    const line: ReportLine = {
      lineNumber,
      batchId: batch,
      ourReference: ours,
      theirReference: theirs,
      type: (isPayout ? 'fee' : type) as ReportLineType,
      gross: grossAmount,
      interchangeFee,
      schemeFee,
      net: netAmount,
      currency,
      valueDate: date,
    };
    if (isPayout) payout = { ...line, isPayout: true };
    else lines.push(line);
  });
  if (!payout) throw new SettlementReportRejectedError('truncated', 'no payout line at the end: the file is cut short', body.length + 1);
  const totals = sumOf(lines);
  const stated = { gross: payout.gross, interchangeFee: payout.interchangeFee, schemeFee: payout.schemeFee, net: payout.net };
  if (totals.gross !== stated.gross || totals.interchangeFee !== stated.interchangeFee || totals.schemeFee !== stated.schemeFee || totals.net !== stated.net) {
    throw new SettlementReportRejectedError(
      'control_totals_mismatch',
      `the payout line's totals differ from the sum of the lines (gross ${formatAmount(totals.gross, payout.currency)}, net ${formatAmount(totals.net, payout.currency)}): lines are missing or altered`,
      payout.lineNumber,
    );
  }
  return { batchId: payout.batchId, valueDate: payout.valueDate, currency: payout.currency, payoutReference: payout.theirReference, lines, totals };
};
