import { type KeyObject, createHash, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPain001, writePacs004, writePain002 } from '../../../lambdas/adapters/rails/formats/iso20022';
import { writeStatusReport } from '../../../lambdas/adapters/rails/formats/meridian-status';
import { readNachaFile, writeNachaFile } from '../../../lambdas/adapters/rails/formats/nacha';
import type { PayoutFailureCode } from '../../../lambdas/domain/payouts/payout';
import { schemeCode } from '../../../lambdas/domain/payouts/rail-reasons';
import { Schedule } from './deliveries';
import { Journal } from './journal';
import { type Behaviour, type RailTimings, scenarioOf } from './scenarios';

/**
 * Meridian Bank's file channel, simulated: it polls the outbox directory the platform drops files in (over
 * the bank's SFTP server, local/payout-rails.ts, which chroots the platform's user in `<root>/exchange`),
 * reads NACHA ACH files and ISO 20022 pain.001 SEPA files (checking their structure and totals), archives
 * each file, and answers through the inbox directory the way a bank does:
 *   ACH   an entry status report at once (ACCEPTED, or REJECTED with its R-code), another when the entry
 *         settles (SETTLED), and for a return a NACHA return file (transaction code 21/31, addenda 99);
 *   SEPA  a pain.002 at once (ACCP, or RJCT with its ISO reason), another at settlement (ACSC), and for a
 *         return a pacs.004.
 * What each payment does is chosen by its reference (scenarios.ts). A file it already processed (same
 * name) is not paid again: the bank answers it with the payments' current statuses. Every status change
 * is journalled under `<root>/bank/`, and settlements and returns still due are rescheduled on start.
 * Every inbox file is signed: beside `<name>` the bank writes `<name>.sig`, the base64 Ed25519 signature
 * of its bytes with the bank's file-signing key, whose public half the platform pins (decision 0028).
 */
export interface MeridianSimulatorOptions {
  /** Holds exchange/outbox/ (the platform writes), exchange/inbox/ (the bank writes) and bank/ (archive, journal). */
  readonly root: string;
  /** The bank's Ed25519 key its inbox files are signed with. */
  readonly signingKey: KeyObject;
  readonly timings?: Partial<RailTimings>;
  /** How often the outbox is read. Default 200 ms. */
  readonly pollMs?: number;
  /** Keep no journal (the in-memory runtime): a restart forgets the payments. */
  readonly ephemeral?: boolean;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface MeridianPayment {
  readonly reference: string;
  readonly scheme: 'ach' | 'sepa';
  readonly file: string;
  readonly amount: number;
  readonly currency: string;
  readonly behaviour: Behaviour;
  readonly status: 'ACCEPTED' | 'REJECTED' | 'SETTLED' | 'RETURNED';
  readonly reasonCode: string | null;
  readonly at: string;
  /** ACH only: what a return file must repeat. */
  readonly ach?: { readonly routing: string; readonly account: string; readonly name: string; readonly trace: string; readonly transactionCode: string };
}

export interface MeridianSimulator {
  /** What the bank's SFTP server shows the platform: outbox/ and inbox/. */
  readonly exchange: string;
  readonly outbox: string;
  readonly inbox: string;
  /** Where the bank keeps each file it took. */
  readonly archive: string;
  payments(): readonly MeridianPayment[];
  stop(): void;
}

export const DEFAULT_MERIDIAN_TIMINGS: RailTimings = { settleDelayMs: 1_500, returnDelayMs: 3_000 };

const stamp = (date: Date) => date.toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);

export const startMeridianSimulator = (options: MeridianSimulatorOptions): MeridianSimulator => {
  const timings = { ...DEFAULT_MERIDIAN_TIMINGS, ...options.timings };
  const exchange = join(options.root, 'exchange');
  const outbox = join(exchange, 'outbox');
  const inbox = join(exchange, 'inbox');
  const archive = join(options.root, 'bank', 'archive');
  for (const directory of [outbox, inbox, archive]) mkdirSync(directory, { recursive: true });
  const journal = new Journal<MeridianPayment>(options.ephemeral ? undefined : join(options.root, 'bank', 'payments.jsonl'));
  const payments = new Map<string, MeridianPayment>();
  for (const entry of journal.load()) payments.set(entry.reference, entry);
  const schedule = new Schedule();
  let sequence = 0;
  const log = options.log ?? (() => undefined);

  /** The signature first, then the file (renamed into place whole): a reader that sees the file sees its signature. */
  const drop = (name: string, content: string) => {
    const partial = join(inbox, `.${name}.part`);
    writeFileSync(join(inbox, `${name}.sig`), `${sign(null, Buffer.from(content, 'utf8'), options.signingKey).toString('base64')}\n`, { mode: 0o600 });
    writeFileSync(partial, content, { mode: 0o600 });
    renameSync(partial, join(inbox, name));
  };

  const record = (payment: MeridianPayment, status: MeridianPayment['status'], reason: PayoutFailureCode | null): MeridianPayment => {
    const family = payment.scheme === 'ach' ? 'nacha' : 'iso20022';
    const next: MeridianPayment = { ...payment, status, reasonCode: reason ? schemeCode(family, reason) : null, at: new Date().toISOString() };
    journal.append(next);
    payments.set(next.reference, next);
    return next;
  };

  /** The bank's message saying where a payment stands now. */
  const announce = (payment: MeridianPayment) => {
    const now = new Date();
    sequence += 1;
    if (payment.status === 'RETURNED') {
      if (payment.scheme === 'ach' && payment.ach) {
        drop(
          `RET_${payment.reference}.ach`,
          writeNachaFile({
            immediateDestination: '267000416',
            immediateOrigin: '1987654321',
            destinationName: 'XBORDER PAYMENTS',
            originName: 'MERIDIAN BANK',
            createdAt: now,
            fileIdModifier: 'R',
            companyName: 'XBORDER PAYMENTS',
            companyId: '1987654321',
            secCode: 'CCD',
            entryDescription: 'RETURN',
            effectiveDate: now.toISOString().slice(2, 10).replace(/-/g, ''),
            originatingDfi: payment.ach.routing.slice(0, 8),
            batchNumber: 1,
            entries: [
              {
                transactionCode: payment.ach.transactionCode === '32' ? '31' : '21',
                receivingRouting: '267000416',
                accountNumber: payment.ach.account,
                amount: payment.amount,
                individualId: payment.reference,
                individualName: payment.ach.name,
                traceNumber: `${payment.ach.routing.slice(0, 8)}${String(sequence).padStart(7, '0')}`,
                returned: { reasonCode: payment.reasonCode ?? 'R17', originalTrace: payment.ach.trace, originalReceiving: payment.ach.routing, information: 'RETURNED BY RDFI' },
              },
            ],
          }),
        );
      } else {
        drop(
          `PACS004_${payment.reference}.xml`,
          writePacs004({
            messageId: `MRDN-RTR-${sequence}-${Date.now()}`,
            createdAt: now.toISOString(),
            returns: [{ returnId: `RTR${sequence}`, endToEndId: payment.reference, amount: payment.amount, currency: payment.currency, reasonCode: payment.reasonCode ?? 'MS03', information: 'Returned by the beneficiary bank' }],
          }),
        );
      }
      return;
    }
    if (payment.scheme === 'ach') {
      drop(
        `ACK_${payment.reference}_${stamp(now)}_${sequence}.txt`,
        writeStatusReport({
          bankId: 'MERIDIAN',
          reportId: `STS${sequence}`,
          createdAt: stamp(now),
          originalFile: payment.file,
          details: [{ individualId: payment.reference, traceNumber: payment.ach?.trace ?? '', status: payment.status, reasonCode: payment.reasonCode ?? '', amount: payment.amount, date: now.toISOString().slice(0, 10).replace(/-/g, '') }],
        }),
      );
    } else {
      drop(
        `PAIN002_${payment.reference}_${stamp(now)}_${sequence}.xml`,
        writePain002({
          messageId: `MRDN-STS-${sequence}-${Date.now()}`,
          createdAt: now.toISOString(),
          originalMessageId: `XB-${payment.reference}`,
          statuses: [
            {
              endToEndId: payment.reference,
              status: payment.status === 'SETTLED' ? 'ACSC' : payment.status === 'REJECTED' ? 'RJCT' : 'ACCP',
              ...(payment.reasonCode ? { reasonCode: payment.reasonCode, information: 'Rejected by the beneficiary bank' } : {}),
            },
          ],
        }),
      );
    }
  };

  /** What happens to an accepted payment next, by its behaviour; called at acceptance and on restart. */
  const proceed = (payment: MeridianPayment) => {
    const behaviour = payment.behaviour;
    if (payment.status === 'ACCEPTED') {
      if (behaviour.kind === 'silent') return;
      const delay = behaviour.kind === 'settle' ? (behaviour.delayMs ?? timings.settleDelayMs) : timings.settleDelayMs;
      schedule.at(delay, () => {
        const current = payments.get(payment.reference);
        if (current?.status !== 'ACCEPTED') return;
        const next = behaviour.kind === 'fail' ? record(current, 'REJECTED', behaviour.reason) : record(current, 'SETTLED', null);
        announce(next);
        proceed(next);
      });
    } else if (payment.status === 'SETTLED' && behaviour.kind === 'return') {
      schedule.at(behaviour.afterMs ?? timings.returnDelayMs, () => {
        const current = payments.get(payment.reference);
        if (current?.status !== 'SETTLED') return;
        announce(record(current, 'RETURNED', behaviour.reason));
      });
    }
  };

  const accept = (payment: Omit<MeridianPayment, 'status' | 'reasonCode' | 'at'>) => {
    const behaviour = payment.behaviour;
    const base = { ...payment, status: 'ACCEPTED' as const, reasonCode: null, at: new Date().toISOString() };
    const stored = behaviour.kind === 'reject' ? record(base, 'REJECTED', behaviour.reason) : record(base, 'ACCEPTED', null);
    announce(stored);
    proceed(stored);
  };

  const processFile = (name: string) => {
    const path = join(outbox, name);
    const content = readFileSync(path, 'utf8');
    const duplicate = existsSync(join(archive, name));
    renameSync(path, join(archive, duplicate ? `${name}.duplicate-${Date.now()}` : name));
    if (duplicate) {
      // Already processed: never pay twice; say again where its payments stand.
      log('duplicate file', { name, sha256: createHash('sha256').update(content).digest('hex') });
      for (const payment of payments.values()) if (payment.file === name) announce(payment);
      return;
    }
    try {
      if (name.endsWith('.ach')) {
        const file = readNachaFile(content);
        for (const entry of file.entries) {
          accept({
            reference: entry.individualId,
            scheme: 'ach',
            file: name,
            amount: entry.amount,
            currency: 'USD',
            behaviour: scenarioOf(entry.paymentInformation ?? '').behaviour,
            ach: { routing: entry.receivingRouting, account: entry.accountNumber, name: entry.individualName, trace: entry.traceNumber, transactionCode: entry.transactionCode },
          });
        }
      } else if (name.endsWith('.xml')) {
        const message = readPain001(content);
        for (const transfer of message.transfers) {
          accept({ reference: transfer.endToEndId, scheme: 'sepa', file: name, amount: transfer.amount, currency: transfer.currency, behaviour: scenarioOf(transfer.remittance).behaviour });
        }
      } else {
        throw new Error('unknown file type');
      }
    } catch (error) {
      log('file rejected', { name, error: (error as Error).message });
      drop(`FILE_REJECTED_${name}.txt`, `Meridian rejected ${name}: ${(error as Error).message}\n`);
    }
  };

  for (const payment of payments.values()) proceed(payment);
  let polling = false;
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    try {
      for (const name of readdirSync(outbox).filter((file) => !file.startsWith('.')).sort()) processFile(name);
    } catch (error) {
      log('outbox poll failed', { error: (error as Error).message });
    } finally {
      polling = false;
    }
  }, options.pollMs ?? 200);

  return {
    exchange,
    outbox,
    inbox,
    archive,
    payments: () => [...payments.values()],
    stop: () => {
      clearInterval(poll);
      schedule.clear();
    },
  };
};
