import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SftpBankStatementSource } from '../../../lambdas/adapters/sftp/bank-statement-sftp';
import { SftpSettlementReportSource } from '../../../lambdas/adapters/sftp/settlement-report-sftp';
import { BankStatementNotFoundError } from '../../../lambdas/ports/bank-statement-source';
import { SftpHostKeyMismatchError, SftpSession, sftpEndpointFromEnv } from '../../../lambdas/adapters/sftp/sftp-session';
import { SettlementReportNotFoundError } from '../../../lambdas/ports/settlement-report-source';
import { type LocalCardChannels, startLocalCardChannels } from '../../../local/card-channels';
import { buildBankStatement, writeBankStatement } from '../../../local/simulators/bank/statements';
import { buildSettlementReport } from '../../../local/simulators/card-acquirer/settlement-reports';
import { ensureSshKey } from '../../../local/simulators/sftp/keys';
import { opensshSftp } from '../../support/openssh-sftp';

/**
 * The acquirers' settlement reports over SFTP, as the local runtime serves them (local/card-channels.ts):
 * the platform's adapter fetches a report with its key and the pinned host key, and refuses a server whose
 * host key is not the pinned one; the user is confined to the reports' directory; and OpenSSH's own `sftp`
 * client, trusting only the server's host key, lists and fetches the same bytes.
 */
let channels: LocalCardChannels;
const stateDir = mkdtempSync(join(tmpdir(), 'xborder-sftp-reports-'));
const report = buildSettlementReport({
  channel: 'atlas',
  batchId: 'atlas-usd-20000',
  currency: 'USD',
  valueDate: '2026-12-07',
  items: [{ type: 'capture', ourReference: 'pay_sftp_one', theirReference: 'cap_sftp_one', gross: 10_000, fee: 320, currency: 'USD' }],
});

const statement = buildBankStatement({
  currency: 'USD',
  date: '2026-12-07',
  sequence: 1,
  openingBalance: 0,
  entries: [{ kind: 'acquirer_credit', reference: 'pout_000000000000000000000001', amount: 9_680, valueDate: '2026-12-07', remittance: 'atlas settlement atlas-usd-20000' }],
});

beforeAll(async () => {
  channels = await startLocalCardChannels({ stateDir, inMemory: true });
  // Where the acquirer simulator writes its reports.
  mkdirSync(join(channels.reportsSftp.root, 'atlas'), { recursive: true });
  writeFileSync(join(channels.reportsSftp.root, 'atlas', report.fileName), report.csv);
  // Where the simulated bank writes its statements (decision 0032).
  writeBankStatement(channels.reportsSftp.root, statement);
});
afterAll(() => channels.stop());

const endpoint = () => sftpEndpointFromEnv('SETTLEMENT', { ...process.env, ...channels.environment });

it('fetches a report over SFTP with the platform key, and says when there is none', async () => {
  const source = new SftpSettlementReportSource(endpoint());
  expect((await source.read('atlas', report.fileName)).toString('utf8')).toBe(report.csv);
  await expect(source.read('atlas', 'atlas-settlement-none.csv')).rejects.toBeInstanceOf(SettlementReportNotFoundError);
  await expect(source.read('atlas', '../../sftp/platform-acquirers_ed25519.csv')).rejects.toBeInstanceOf(SettlementReportNotFoundError);
});

it('refuses a server whose host key is not the pinned one, before logging in', async () => {
  const impostor = ensureSshKey(join(stateDir, 'other-keys'), 'impostor');
  const source = new SftpSettlementReportSource({ ...endpoint(), hostKeySha256: impostor.fingerprint });
  await expect(source.read('atlas', report.fileName)).rejects.toMatchObject({ name: 'SftpHostKeyMismatchError', message: expect.stringContaining(channels.environment.SETTLEMENT_SFTP_HOST_KEY as string) });
  await expect(source.read('atlas', report.fileName)).rejects.toBeInstanceOf(SftpHostKeyMismatchError);
});

it('lets in only the platform key, and keeps the user inside the reports directory', async () => {
  const stranger = ensureSshKey(join(stateDir, 'other-keys'), 'stranger');
  await expect(new SftpSession({ ...endpoint(), privateKey: stranger.privateKey }).use((files) => files.list('/'))).rejects.toThrow(/authentication/i);
  const session = new SftpSession(endpoint());
  expect(await session.use((files) => files.list('/../../atlas'))).toEqual([report.fileName]);
  // The keys beside the reports' directory are out of reach: `..` stops at the user's root.
  expect(await session.use((files) => files.exists('/../sftp/platform-acquirers_ed25519'))).toBe(false);
});

it("is spoken to by OpenSSH's sftp client: it lists and fetches the report", async () => {
  const fetched = join(stateDir, 'fetched.csv');
  const listing = await opensshSftp(channels.reportsSftp, ['ls -1 atlas', `get atlas/${report.fileName} ${fetched}`]);
  expect(listing).toContain(report.fileName);
  expect(readFileSync(fetched, 'utf8')).toBe(report.csv);
  // The same client refuses the server when it expects another host key.
  const impostor = ensureSshKey(join(stateDir, 'other-keys'), 'impostor');
  await expect(opensshSftp(channels.reportsSftp, ['ls'], { hostPublicKey: impostor.publicKey })).rejects.toThrow(/Host key verification failed/);
});

it("serves the bank's camt.053 statements from the same server: the platform's adapter and OpenSSH's sftp fetch the same bytes", async () => {
  const source = new SftpBankStatementSource(endpoint());
  expect((await source.read(statement.fileName)).toString('utf8')).toBe(statement.xml);
  await expect(source.read('camt053-none.xml')).rejects.toBeInstanceOf(BankStatementNotFoundError);
  await expect(source.read('../atlas/x.xml')).rejects.toBeInstanceOf(BankStatementNotFoundError);
  const fetched = join(stateDir, 'fetched.xml');
  const listing = await opensshSftp(channels.reportsSftp, ['ls -1 statements', `get statements/${statement.fileName} ${fetched}`]);
  expect(listing).toContain(statement.fileName);
  expect(readFileSync(fetched, 'utf8')).toBe(statement.xml);
});
