import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PayoutChannel } from '../../domain/payouts/beneficiary';
import { platformCode } from '../../domain/payouts/rail-reasons';
import { RailRejectedError, RailUnavailableError } from '../../domain/payouts/saga-errors';
import { ConfigurationError } from '../../shared/config';
import type { PayoutInstruction, PayoutRailPort, RailEvent, RailMessage, RailMessageParser, RailPaymentState, RailSubmission } from '../../ports/payout-rail';
import { RailMessageRejectedError } from '../../ports/payout-rail';
import { readPacs004, readPain002, writePain001 } from './formats/iso20022';
import { readStatusReport } from './formats/meridian-status';
import { readNachaFile, writeNachaFile } from './formats/nacha';
import { requiredEnv } from './rail-http';

/**
 * Meridian Bank's file channel, the way corporates send ACH and SEPA payments: one file per payout
 * dropped in the bank's outbox directory (a NACHA file for ACH, an ISO 20022 pain.001 for SEPA), and
 * the bank's answers read from the inbox directory (its ACH entry status reports and NACHA return files,
 * pain.002 status reports and pacs.004 returns). Locally both directories are on disk and
 * local/simulators/payout-rails/meridian plays the bank; in AWS they are an SFTP or S3 drop
 * (docs/decisions/0007-payout-saga-and-rails.md).
 *
 * Idempotency: a payout's file name and contents derive from the payout alone (its id and creation time),
 * so a resubmission writes the very same file; the bank ignores a file it has already processed. Files are
 * written under a temporary name and renamed, so the bank never picks up half a file. A drop either
 * lands whole (the payment is submitted) or fails before the rename (nothing was sent: RailUnavailable):
 * a file rail has no ambiguous answer. `lookup` can only say what is still waiting in the outbox
 * (`received`); a file the bank took (or one lost before the rename) is `unknown` here, and the bank's
 * status files in the inbox are the answer (they reach the payout through the rail-events function).
 * Sending again after `unknown` is safe: the bank answers a file it already processed with its statuses.
 *
 * Environment: MERIDIAN_OUTBOX_DIR (required). The platform's own accounts at Meridian
 * (MERIDIAN_ODFI_ROUTING, MERIDIAN_COMPANY_ID, MERIDIAN_DEBTOR_IBAN, MERIDIAN_DEBTOR_BIC) default to the
 * simulated bank's.
 */
export const MERIDIAN: PayoutChannel = 'meridian';

export interface MeridianConfig {
  readonly outboxDirectory: string;
  /** Meridian's routing number (the ODFI), 9 digits. */
  readonly odfiRouting: string;
  /** The platform's company identification at Meridian, 10 characters. */
  readonly companyId: string;
  readonly companyName: string;
  /** The platform's EUR account at Meridian (the SEPA debtor). */
  readonly debtorIban: string;
  readonly debtorBic: string;
  readonly debtorName: string;
}

export const meridianConfigFromEnv = (env: NodeJS.ProcessEnv = process.env): MeridianConfig => {
  const config: MeridianConfig = {
    outboxDirectory: requiredEnv('MERIDIAN_OUTBOX_DIR', env),
    odfiRouting: env.MERIDIAN_ODFI_ROUTING || '267000416',
    companyId: env.MERIDIAN_COMPANY_ID || '1987654321',
    companyName: 'XBORDER PAYMENTS',
    debtorIban: env.MERIDIAN_DEBTOR_IBAN || 'DE12500105170648489890',
    debtorBic: env.MERIDIAN_DEBTOR_BIC || 'MRDNDEFFXXX',
    debtorName: 'xborder Payments Ltd',
  };
  if (!/^\d{9}$/.test(config.odfiRouting)) throw new ConfigurationError('Invalid environment: MERIDIAN_ODFI_ROUTING must be 9 digits');
  return config;
};

/** The 15-character NACHA individual id of a payout: its rail reference for ACH. */
export const achReferenceOf = (payoutId: string): string =>
  `XB${createHash('sha256').update(payoutId).digest('base64url').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 13)}`;

const yymmdd = (iso: string): string => iso.slice(2, 10).replace(/-/g, '');

export class MeridianFileRail implements PayoutRailPort {
  readonly channel = MERIDIAN;

  constructor(private readonly config: MeridianConfig) {}

  railReference(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme'>): string {
    return instruction.scheme === 'ach' ? achReferenceOf(instruction.payoutId) : instruction.payoutId;
  }

  /** The outbox file of a payout: derived from it alone, so a resubmission writes the very same file. */
  fileName(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme'>): string {
    return instruction.scheme === 'ach' ? `ACH_${achReferenceOf(instruction.payoutId)}.ach` : `SCT_${instruction.payoutId}.xml`;
  }

  async lookup(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme'>): Promise<RailPaymentState> {
    const waiting = await stat(join(this.config.outboxDirectory, this.fileName(instruction))).catch(() => undefined);
    return { status: waiting ? 'received' : 'unknown' };
  }

  async submit(instruction: PayoutInstruction): Promise<RailSubmission> {
    const railReference = this.railReference(instruction);
    const name = this.fileName(instruction);
    let content: string;
    if (instruction.scheme === 'ach') {
      if (instruction.currency !== 'USD' || !instruction.account.accountNumber || !instruction.account.routingCode) {
        throw new RailRejectedError({ channel: this.channel }, { code: 'invalid_account', railCode: 'R04', message: 'ACH needs a USD payment to a routing and account number' });
      }
      content = writeNachaFile({
        immediateDestination: this.config.odfiRouting,
        immediateOrigin: this.config.companyId,
        destinationName: 'MERIDIAN BANK',
        originName: this.config.companyName,
        createdAt: new Date(instruction.createdAt),
        fileIdModifier: 'A',
        companyName: this.config.companyName,
        companyId: this.config.companyId,
        secCode: instruction.beneficiary.entityType === 'company' ? 'CCD' : 'PPD',
        entryDescription: 'PAYOUT',
        effectiveDate: yymmdd(instruction.createdAt),
        originatingDfi: this.config.odfiRouting.slice(0, 8),
        batchNumber: 1,
        entries: [
          {
            transactionCode: instruction.accountType === 'savings' ? '32' : '22',
            receivingRouting: instruction.account.routingCode,
            accountNumber: instruction.account.accountNumber,
            amount: instruction.amount,
            individualId: railReference,
            individualName: instruction.beneficiary.name,
            traceNumber: `${this.config.odfiRouting.slice(0, 8)}0000001`,
            paymentInformation: instruction.reference,
          },
        ],
      });
    } else if (instruction.scheme === 'sepa') {
      if (instruction.currency !== 'EUR' || !instruction.account.iban) {
        throw new RailRejectedError({ channel: this.channel }, { code: 'invalid_account', railCode: 'AC01', message: 'SEPA needs a EUR payment to an IBAN' });
      }
      content = writePain001({
        messageId: `XB-${instruction.payoutId}`,
        createdAt: instruction.createdAt,
        initiatingParty: this.config.debtorName,
        debtorName: this.config.debtorName,
        debtorIban: this.config.debtorIban,
        debtorBic: this.config.debtorBic,
        requestedExecutionDate: instruction.createdAt.slice(0, 10),
        transfers: [
          {
            endToEndId: instruction.payoutId,
            amount: instruction.amount,
            currency: 'EUR',
            creditorName: instruction.beneficiary.name,
            creditorCountry: instruction.account.country,
            creditorIban: instruction.account.iban,
            ...(instruction.account.bic ? { creditorBic: instruction.account.bic } : {}),
            remittance: instruction.reference,
          },
        ],
      });
    } else {
      throw new RailRejectedError({ channel: this.channel }, { code: 'other', railCode: 'NOSCHEME', message: `Meridian carries ACH and SEPA, not ${instruction.scheme}` });
    }
    await this.drop(name, content);
    return { railReference, bankReference: name };
  }

  /** Write-then-rename into the outbox; an identical file already waiting there is this very submission. */
  private async drop(name: string, content: string): Promise<void> {
    const target = join(this.config.outboxDirectory, name);
    try {
      await mkdir(this.config.outboxDirectory, { recursive: true });
      const existing = await stat(target).catch(() => undefined);
      if (existing) return;
      const partial = join(this.config.outboxDirectory, `.${name}.${process.pid}.part`);
      await writeFile(partial, content, { mode: 0o600 });
      await rename(partial, target);
    } catch (error) {
      throw new RailUnavailableError({ channel: this.channel }, `outbox not writable: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
    }
  }
}

/**
 * Meridian's inbox files → rail events. ACH status reports: SETTLED → paid, REJECTED → failed (ACCEPTED
 * says nothing yet); NACHA returns → returned; pain.002: ACSC → paid, RJCT → failed; pacs.004 → returned.
 */
export class MeridianMessageParser implements RailMessageParser {
  readonly channel = MERIDIAN;

  parse(message: RailMessage, now: Date): RailEvent[] {
    if (message.kind !== 'file') throw new RailMessageRejectedError('Meridian answers with files');
    const content = message.content;
    const occurredAt = now.toISOString();
    try {
      if (content.trimStart().startsWith('<')) {
        if (content.includes('pain.002.001.10')) {
          return readPain002(content).statuses.flatMap((status): RailEvent[] => {
            if (status.status === 'ACCP') return [];
            if (status.status === 'ACSC') return [{ channel: this.channel, railReference: status.endToEndId, type: 'paid', reason: null, occurredAt }];
            const code = status.reasonCode ?? 'MS03';
            return [{ channel: this.channel, railReference: status.endToEndId, type: 'failed', reason: { code: platformCode('iso20022', code), railCode: code, message: status.information ?? `Rejected (${code})` }, occurredAt }];
          });
        }
        if (content.includes('pacs.004.001.09')) {
          return readPacs004(content).returns.map((item): RailEvent => ({
            channel: this.channel,
            railReference: item.endToEndId,
            type: 'returned',
            reason: { code: platformCode('iso20022', item.reasonCode), railCode: item.reasonCode, message: item.information ?? `Returned (${item.reasonCode})` },
            occurredAt,
          }));
        }
        throw new RailMessageRejectedError(`${message.name}: an XML message Meridian does not send`);
      }
      if (content.startsWith('H')) {
        return readStatusReport(content).details.flatMap((detail): RailEvent[] => {
          if (detail.status === 'ACCEPTED') return [];
          if (detail.status === 'SETTLED') return [{ channel: this.channel, railReference: detail.individualId, type: 'paid', reason: null, occurredAt }];
          return [{ channel: this.channel, railReference: detail.individualId, type: 'failed', reason: { code: platformCode('nacha', detail.reasonCode), railCode: detail.reasonCode, message: `Rejected by the ODFI (${detail.reasonCode})` }, occurredAt }];
        });
      }
      if (content.startsWith('1')) {
        return readNachaFile(content).entries.flatMap((entry): RailEvent[] =>
          entry.returned
            ? [{ channel: this.channel, railReference: entry.individualId, type: 'returned', reason: { code: platformCode('nacha', entry.returned.reasonCode), railCode: entry.returned.reasonCode, message: entry.returned.information || `Returned (${entry.returned.reasonCode})` }, occurredAt }]
            : [],
        );
      }
    } catch (error) {
      if (error instanceof RailMessageRejectedError) throw error;
      throw new RailMessageRejectedError(`${message.name}: ${(error as Error).message}`, { cause: error });
    }
    throw new RailMessageRejectedError(`${message.name}: not a file Meridian sends`);
  }

  acknowledgement(): { contentType: string; body: string } {
    return { contentType: 'text/plain', body: 'processed' };
  }
}
