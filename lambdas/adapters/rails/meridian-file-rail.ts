import { type KeyObject, createHash, createPublicKey, verify } from 'node:crypto';
import type { PayoutChannel } from '../../domain/payouts/beneficiary';
import { platformCode } from '../../domain/payouts/rail-reasons';
import { RailRejectedError, RailUnavailableError } from '../../domain/payouts/saga-errors';
import { ConfigurationError, processEnvironment } from '../../shared/config';
import type { PayoutInstruction, PayoutRailPort, RailEvent, RailMessage, RailMessageParser, RailPaymentState, RailSubmission } from '../../ports/payout-rail';
import { RailMessageRejectedError } from '../../ports/payout-rail';
import { readPacs004, readPain002, writePain001 } from './formats/iso20022';
import { readStatusReport } from './formats/meridian-status';
import { readNachaFile, writeNachaFile } from './formats/nacha';
import { requiredEnv } from './rail-http';
import { type SftpEndpoint, SftpSession, sftpEndpointFromEnv } from '../sftp/sftp-session';

/**
 * Meridian Bank's file channel, the way corporates send ACH and SEPA payments: one file per payout
 * uploaded to /outbox on the bank's SFTP server (a NACHA file for ACH, an ISO 20022 pain.001 for SEPA),
 * and the bank's answers read from /inbox (its ACH entry status reports and NACHA return files, pain.002
 * status reports and pacs.004 returns), each signed by the bank (decision 0028). The connection uses the
 * platform's key and checks the bank's pinned host key (SftpSession). Locally
 * local/simulators/payout-rails/meridian plays the bank behind a simulated SFTP server
 * (docs/decisions/0007-payout-saga-and-rails.md, 0028-sftp.md).
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
 * Environment: MERIDIAN_SFTP_URL, and the secrets MERIDIAN_SFTP_PRIVATE_KEY, MERIDIAN_SFTP_HOST_KEY
 * (required). The platform's own accounts at Meridian
 * (MERIDIAN_ODFI_ROUTING, MERIDIAN_COMPANY_ID, MERIDIAN_DEBTOR_IBAN, MERIDIAN_DEBTOR_BIC) default to the
 * simulated bank's.
 */
export const MERIDIAN: PayoutChannel = 'meridian';

export interface MeridianConfig {
  /** The bank's SFTP server: /outbox and /inbox. */
  readonly sftp: SftpEndpoint;
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

export const meridianConfigFromEnv = (env: NodeJS.ProcessEnv = processEnvironment()): MeridianConfig => {
  const config: MeridianConfig = {
    sftp: sftpEndpointFromEnv('MERIDIAN', env),
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

export const MERIDIAN_OUTBOX = '/outbox';
export const MERIDIAN_INBOX = '/inbox';

export class MeridianFileRail implements PayoutRailPort {
  readonly channel = MERIDIAN;
  private readonly session: SftpSession;

  constructor(private readonly config: MeridianConfig) {
    this.session = new SftpSession(config.sftp);
  }

  railReference(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme'>): string {
    return instruction.scheme === 'ach' ? achReferenceOf(instruction.payoutId) : instruction.payoutId;
  }

  /** The outbox file of a payout: derived from it alone, so a resubmission writes the very same file. */
  fileName(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme'>): string {
    return instruction.scheme === 'ach' ? `ACH_${achReferenceOf(instruction.payoutId)}.ach` : `SCT_${instruction.payoutId}.xml`;
  }

  async lookup(instruction: Pick<PayoutInstruction, 'payoutId' | 'scheme'>): Promise<RailPaymentState> {
    let waiting: boolean;
    try {
      waiting = await this.session.use((files) => files.exists(`${MERIDIAN_OUTBOX}/${this.fileName(instruction)}`));
    } catch (error) {
      throw new RailUnavailableError({ channel: this.channel }, `outbox not readable: ${(error as Error).name}`, { cause: error });
    }
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

  /**
   * Upload under a temporary name, then rename into the outbox (SFTP's rename refuses an existing target):
   * the bank never picks up half a file, and a file already there, or renamed there by a concurrent
   * resubmission meanwhile, is this very submission (same name, same bytes).
   */
  private async drop(name: string, content: string): Promise<void> {
    const target = `${MERIDIAN_OUTBOX}/${name}`;
    try {
      await this.session.use(async (files) => {
        if (await files.exists(target)) return;
        const partial = `${MERIDIAN_OUTBOX}/.${name}.${process.pid}.${Date.now()}.part`;
        await files.writeFile(partial, content);
        try {
          await files.rename(partial, target);
        } catch (error) {
          await files.remove(partial).catch(() => undefined);
          if (!(await files.exists(target))) throw error;
        }
      });
    } catch (error) {
      throw new RailUnavailableError({ channel: this.channel }, `outbox not writable: ${(error as Error).name}`, { cause: error });
    }
  }
}

/**
 * Meridian's inbox files → rail events, once their signature checks: the bank signs each file (Ed25519,
 * the base64 signature in `<name>.sig` beside it) and the platform pins the bank's public key(s)
 * (MERIDIAN_FILE_SIGNING_KEYS, base64 SPKI DER, comma-separated so a new bank key can be added before the
 * old one goes). An unsigned file, or one whose signature does not verify, is refused whole: a forged
 * return file never credits anyone. ACH status reports: SETTLED → paid, REJECTED → failed (ACCEPTED says
 * nothing yet); NACHA returns → returned; pain.002: ACSC → paid, RJCT → failed; pacs.004 → returned.
 */
export class MeridianMessageParser implements RailMessageParser {
  readonly channel = MERIDIAN;

  constructor(private readonly signingKeys: readonly KeyObject[]) {
    if (signingKeys.length === 0) throw new ConfigurationError("Invalid environment: MERIDIAN_FILE_SIGNING_KEYS holds none of Meridian's keys");
  }

  static fromEnv(env: NodeJS.ProcessEnv = processEnvironment()): MeridianMessageParser {
    const keys = requiredEnv('MERIDIAN_FILE_SIGNING_KEYS', env).split(',').map((key) => key.trim()).filter(Boolean);
    try {
      return new MeridianMessageParser(keys.map((key) => createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' })));
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      throw new ConfigurationError('Invalid environment: MERIDIAN_FILE_SIGNING_KEYS must be base64 SPKI DER Ed25519 keys', { cause: error });
    }
  }

  parse(message: RailMessage, now: Date): RailEvent[] {
    if (message.kind !== 'file') throw new RailMessageRejectedError('Meridian answers with files');
    if (!message.signature) throw new RailMessageRejectedError(`${message.name}: unsigned (no ${message.name}.sig): not accepted as Meridian's`, { reason: 'unauthenticated' });
    const signature = Buffer.from(message.signature.trim(), 'base64');
    const bytes = Buffer.from(message.content, 'utf8');
    if (!this.signingKeys.some((key) => verify(null, bytes, key, signature))) {
      throw new RailMessageRejectedError(`${message.name}: its signature does not verify with Meridian's pinned key: forged or altered`, { reason: 'unauthenticated' });
    }
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
