import { createHash } from 'node:crypto';
import { type SettlementReport, parseSettlementReport } from '../../domain/reconciliation/settlement-report';
import type { SettlementReportSource } from '../../ports/settlement-report-source';

/** A report file as every step of a run reads it: its bytes' hash, then its parse. */
export class SettlementReportChangedError extends Error {
  override readonly name = 'SettlementReportChanged';
}

export const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The report a run was started on, exactly: each step reads the file again (the workflow carries its name
 * and hash, never its lines) and refuses it if its bytes changed since the run accepted it.
 */
export const readAcceptedReport = async (source: SettlementReportSource, channel: string, file: string, sha256: string): Promise<SettlementReport> => {
  const bytes = await source.read(channel, file);
  if (sha256Of(bytes) !== sha256) throw new SettlementReportChangedError(`${file} of ${channel} changed since the run accepted it`);
  return parseSettlementReport(bytes.toString('utf8'));
};
