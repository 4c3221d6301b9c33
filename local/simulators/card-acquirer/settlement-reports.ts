import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { minorUnits } from '../../../lambdas/domain/money';
import { mulberry32 } from './random';
import type { FeeSchedule } from './operations';

/**
 * Settlement batches and their settlement details reports, as an acquirer publishes them: per channel,
 * currency and (scaled) day, every capture it settled and refund it completed in that window, one CSV line
 * each with the fee split into interchange and scheme fees, then a `payout` line with the batch's totals:
 * the net it pays into the platform's bank account (recorded in the simulator's bank, `BankCredit`).
 *
 * Deterministic: the same items, seed and breaks give the same bytes. A drill or a test can ask for
 * breaks, each chosen by the seeded generator among the batch's captures, and is told exactly which
 * lines carry them (`injected`), to compare with what reconciliation finds.
 */
export const REPORT_HEADER = ['batch_id', 'our_reference', 'their_reference', 'type', 'gross', 'interchange_fee', 'scheme_fee', 'net', 'currency', 'value_date'] as const;

export type SettledItemType = 'capture' | 'refund' | 'chargeback' | 'fee';

/** What the acquirer settled: captures and (positive) fees; refunds and chargebacks with a negative gross. */
export interface SettledItem {
  readonly type: SettledItemType;
  /** The platform's reference it sent (`payment_reference`); empty for a fee line. */
  readonly ourReference: string;
  readonly theirReference: string;
  readonly gross: number;
  /** Everything the acquirer keeps for this item (interchange + scheme + its own). */
  readonly fee: number;
  readonly currency: string;
}

export interface ReportLineRecord {
  readonly batchId: string;
  readonly ourReference: string;
  readonly theirReference: string;
  readonly type: SettledItemType | 'payout';
  readonly gross: number;
  readonly interchangeFee: number;
  readonly schemeFee: number;
  readonly net: number;
  readonly currency: string;
  readonly valueDate: string;
}

/** Breaks to put in a batch's report (counts of capture lines to alter; `unknown_batch` renames the batch). */
export interface ReportBreaks {
  readonly fee_mismatch?: number;
  readonly missing_capture?: number;
  readonly amount_mismatch?: number;
  readonly currency_mismatch?: number;
  readonly duplicate_line?: number;
  readonly unknown_batch?: boolean;
}

/** A break the report carries, named as reconciliation should find it. */
export interface InjectedBreak {
  readonly kind: 'fee_mismatch' | 'missing_in_report' | 'amount_mismatch' | 'currency_mismatch' | 'duplicate' | 'unknown_batch';
  readonly ourReference: string;
  readonly theirReference: string;
}

export interface SettlementReportFile {
  readonly batchId: string;
  readonly fileName: string;
  readonly csv: string;
  readonly sha256: string;
  readonly lines: readonly ReportLineRecord[];
  /** The payout line: what the acquirer pays into the platform's bank account. */
  readonly payout: ReportLineRecord;
  readonly injected: readonly InjectedBreak[];
}

/** The acquirer's transfer of a batch's net to the platform's bank account. */
export interface BankCredit {
  readonly account: 'platform';
  readonly batchId: string;
  readonly reference: string;
  readonly amount: number;
  readonly currency: string;
  readonly valueDate: string;
}

/** The scheme's share of a capture's fee: 0.13 % of the gross, rounded half up, never more than the fee. */
export const SCHEME_FEE_BPS = 13;

export const splitFee = (gross: number, fee: number): { interchangeFee: number; schemeFee: number } => {
  const scheme = Math.min(fee, Math.floor((Math.abs(gross) * SCHEME_FEE_BPS + 5_000) / 10_000));
  return { interchangeFee: fee - scheme, schemeFee: scheme };
};

/** The batch a settlement falls in: channel, currency and the window (a day unless scaled) it happened in. */
export const settlementBatchId = (channel: string, currency: string, at: Date, windowMs: number): string =>
  `${channel}-${currency.toLowerCase()}-${Math.floor(at.getTime() / windowMs)}`;

/** The value date of a batch: the day its window closes (T+1 for a day's batch). */
export const batchValueDate = (batchId: string, windowMs: number): string => {
  const index = Number(batchId.slice(batchId.lastIndexOf('-') + 1));
  return new Date((index + 1) * windowMs).toISOString().slice(0, 10);
};

export const captureFeeOf = (amount: number, currency: string, schedule: FeeSchedule): number =>
  Math.floor((amount * schedule.percentBps + 5_000) / 10_000) + (schedule.fixed[currency] ?? 0);

const formatAmount = (amount: number, currency: string): string => {
  const digits = minorUnits(currency);
  const sign = amount < 0 ? '-' : '';
  const units = Math.abs(amount).toString().padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${units}` : `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
};

/** Another currency with the same number of decimals (a line booked in the wrong currency keeps its digits). */
const otherCurrency = (currency: string): string => {
  const candidates = ['USD', 'CAD', 'EUR', 'GBP', 'CHF', 'JPY', 'KRW', 'KWD', 'BHD'];
  return candidates.find((candidate) => candidate !== currency && minorUnits(candidate) === minorUnits(currency)) ?? currency;
};

const pick = (random: () => number, pool: number[], count: number): number[] => {
  const chosen: number[] = [];
  for (let i = 0; i < count && pool.length > 0; i += 1) chosen.push(...pool.splice(Math.floor(random() * pool.length), 1));
  return chosen;
};

export const buildSettlementReport = (input: {
  readonly channel: string;
  readonly batchId: string;
  readonly currency: string;
  readonly valueDate: string;
  readonly items: readonly SettledItem[];
  readonly seed?: number;
  readonly breaks?: ReportBreaks;
  /** Acquirer references of lines the breaks must leave alone (a drill's own differences on the ledger side). */
  readonly untouched?: ReadonlySet<string>;
}): SettlementReportFile => {
  const breaks = input.breaks ?? {};
  const batchId = breaks.unknown_batch ? `${input.batchId}-x` : input.batchId;
  const line = (item: SettledItem): ReportLineRecord => {
    const { interchangeFee, schemeFee } = splitFee(item.gross, item.fee);
    return { batchId, ourReference: item.ourReference, theirReference: item.theirReference, type: item.type, gross: item.gross, interchangeFee, schemeFee, net: item.gross - item.fee, currency: item.currency, valueDate: input.valueDate };
  };
  let lines = input.items.map(line);
  const injected: InjectedBreak[] = [];
  const random = mulberry32(input.seed ?? 1);
  const captures = lines.flatMap((candidate, index) => (candidate.type === 'capture' && !input.untouched?.has(candidate.theirReference) ? [index] : []));
  const mark = (kind: InjectedBreak['kind'], index: number) => {
    const target = lines[index] as ReportLineRecord;
    injected.push({ kind, ourReference: target.ourReference, theirReference: target.theirReference });
  };
  const alter = (index: number, change: (from: ReportLineRecord) => Partial<ReportLineRecord>) => {
    const from = lines[index] as ReportLineRecord;
    const to = { ...from, ...change(from) };
    lines[index] = { ...to, net: to.gross - to.interchangeFee - to.schemeFee };
  };
  for (const index of pick(random, captures, breaks.fee_mismatch ?? 0)) {
    mark('fee_mismatch', index);
    alter(index, (from) => ({ interchangeFee: from.interchangeFee + 1 + Math.floor(random() * 50) }));
  }
  for (const index of pick(random, captures, breaks.amount_mismatch ?? 0)) {
    mark('amount_mismatch', index);
    alter(index, (from) => ({ gross: from.gross + 1 + Math.floor(random() * 100) }));
  }
  for (const index of pick(random, captures, breaks.currency_mismatch ?? 0)) {
    mark('currency_mismatch', index);
    alter(index, (from) => ({ currency: otherCurrency(from.currency) }));
  }
  const duplicates = pick(random, captures, breaks.duplicate_line ?? 0);
  for (const index of duplicates) mark('duplicate', index);
  const missing = new Set(pick(random, captures, breaks.missing_capture ?? 0));
  for (const index of missing) mark('missing_in_report', index);
  lines = [...lines.filter((_, index) => !missing.has(index)), ...duplicates.map((index) => lines[index] as ReportLineRecord)];
  if (breaks.unknown_batch) injected.push({ kind: 'unknown_batch', ourReference: '', theirReference: batchId });
  const totals = lines.reduce(
    (sum, each) => ({ gross: sum.gross + each.gross, interchangeFee: sum.interchangeFee + each.interchangeFee, schemeFee: sum.schemeFee + each.schemeFee, net: sum.net + each.net }),
    { gross: 0, interchangeFee: 0, schemeFee: 0, net: 0 },
  );
  const payoutReference = `pout_${createHash('sha256').update(`${input.channel}\u0000${batchId}`).digest('hex').slice(0, 24)}`;
  const payout: ReportLineRecord = { batchId, ourReference: '', theirReference: payoutReference, type: 'payout', ...totals, currency: input.currency, valueDate: input.valueDate };
  const rows = [...lines, payout].map((each) => [
    each.batchId,
    each.ourReference,
    each.theirReference,
    each.type,
    formatAmount(each.gross, each.currency),
    formatAmount(each.interchangeFee, each.currency),
    formatAmount(each.schemeFee, each.currency),
    formatAmount(each.net, each.currency),
    each.currency,
    each.valueDate,
  ]);
  const csv = stringify([[...REPORT_HEADER], ...rows], { record_delimiter: '\n' });
  return {
    batchId,
    fileName: `${input.channel}-settlement-${batchId}.csv`,
    csv,
    sha256: createHash('sha256').update(csv).digest('hex'),
    lines,
    payout,
    injected,
  };
};
