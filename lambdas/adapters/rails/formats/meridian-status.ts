/**
 * Meridian Bank's ACH entry status report: the bank's own fixed-width acknowledgement of an ACH file,
 * one 80-character record per line (banks acknowledge NACHA files in proprietary formats; returns come
 * later as NACHA return entries). Positions are 1-based and inclusive.
 *   H  1 'H' · 2-11 bank id · 12-31 report id · 32-45 created YYYYMMDDHHMMSS · 46-80 original file name
 *   D  1 'D' · 2-16 individual id · 17-31 trace number · 32-39 status (ACCEPTED, REJECTED, SETTLED)
 *      · 40-42 NACHA reason code (blank unless rejected) · 43-54 amount in cents · 55-62 date YYYYMMDD · 63-80 blank
 *   T  1 'T' · 2-7 detail record count · 8-80 blank
 */
export const STATUS_RECORD_LENGTH = 80;

export type EntryStatus = 'ACCEPTED' | 'REJECTED' | 'SETTLED';

export interface StatusDetail {
  readonly individualId: string;
  readonly traceNumber: string;
  readonly status: EntryStatus;
  readonly reasonCode: string;
  readonly amount: number;
  /** YYYYMMDD. */
  readonly date: string;
}

export interface StatusReport {
  readonly bankId: string;
  readonly reportId: string;
  /** YYYYMMDDHHMMSS. */
  readonly createdAt: string;
  readonly originalFile: string;
  readonly details: readonly StatusDetail[];
}

export class StatusReportFormatError extends Error {
  override readonly name = 'StatusReportFormatError';
}

const pad = (value: string, length: number): string => value.slice(0, length).padEnd(length, ' ');
const zeros = (value: number, length: number): string => String(value).padStart(length, '0');

export const writeStatusReport = (report: StatusReport): string => {
  const lines = [
    `H${pad(report.bankId, 10)}${pad(report.reportId, 20)}${pad(report.createdAt, 14)}${pad(report.originalFile, 35)}`,
    ...report.details.map(
      (detail) =>
        `D${pad(detail.individualId, 15)}${pad(detail.traceNumber, 15)}${pad(detail.status, 8)}${pad(detail.reasonCode, 3)}${zeros(detail.amount, 12)}${pad(detail.date, 8)}${pad('', 18)}`,
    ),
    `T${zeros(report.details.length, 6)}${pad('', 73)}`,
  ];
  for (const line of lines) if (line.length !== STATUS_RECORD_LENGTH) throw new StatusReportFormatError(`Record of ${line.length} characters`);
  return `${lines.join('\n')}\n`;
};

export const readStatusReport = (text: string): StatusReport => {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  for (const line of lines) if (line.length !== STATUS_RECORD_LENGTH) throw new StatusReportFormatError(`A record of ${line.length} characters: every record has ${STATUS_RECORD_LENGTH}`);
  const header = lines[0];
  const trailer = lines[lines.length - 1];
  if (!header?.startsWith('H') || !trailer?.startsWith('T')) throw new StatusReportFormatError('A status report starts with H and ends with T');
  const details = lines.slice(1, -1).map((line): StatusDetail => {
    if (!line.startsWith('D')) throw new StatusReportFormatError('Only D records between H and T');
    const status = line.slice(31, 39).trim();
    if (status !== 'ACCEPTED' && status !== 'REJECTED' && status !== 'SETTLED') throw new StatusReportFormatError(`Unknown status ${status}`);
    return {
      individualId: line.slice(1, 16).trim(),
      traceNumber: line.slice(16, 31).trim(),
      status,
      reasonCode: line.slice(39, 42).trim(),
      amount: Number(line.slice(42, 54)),
      date: line.slice(54, 62),
    };
  });
  if (Number(trailer.slice(1, 7)) !== details.length) throw new StatusReportFormatError('The trailer count does not match the detail records');
  return { bankId: header.slice(1, 11).trim(), reportId: header.slice(11, 31).trim(), createdAt: header.slice(31, 45), originalFile: header.slice(45, 80).trim(), details };
};
