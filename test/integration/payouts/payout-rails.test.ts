import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeystoneMessageParser, KeystoneSoapRail } from '../../../lambdas/adapters/rails/keystone-soap-rail';
import { MeridianFileRail, MeridianMessageParser } from '../../../lambdas/adapters/rails/meridian-file-rail';
import { PulseInstantRail, PulseMessageParser } from '../../../lambdas/adapters/rails/pulse-instant-rail';
import type { PayoutInstruction, RailMessage } from '../../../lambdas/ports/payout-rail';
import { type KeystoneSimulator, startKeystoneSimulator } from '../../../local/simulators/payout-rails/keystone';
import { type MeridianSimulator, startMeridianSimulator } from '../../../local/simulators/payout-rails/meridian';
import { freePort } from '../../../local/ports';
import { ensureFileSigningKey } from '../../../local/simulators/sftp/keys';
import { type TestSftpServer, startTestSftpServer } from '../../support/sftp';
import { type PulseSimulator, startPulseSimulator } from '../../../local/simulators/payout-rails/pulse';

/**
 * The rail adapters against the simulated rails over real sockets and files: idempotency, what each answer
 * says (taken, refused for good, or unknown: the payment may exist), the lookup of a payment by the payout's
 * key, and authenticated callbacks (a forged or stale one is refused).
 */
const received: { channel: string; message: RailMessage }[] = [];
const receiver = createServer((request: IncomingMessage, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const headers = Object.fromEntries(Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));
    received.push({ channel: request.url?.slice(1) ?? '', message: { kind: 'http', headers, body: Buffer.concat(chunks).toString('utf8') } });
    response.writeHead(200).end('ok');
  });
});

let root: string;
let keystone: KeystoneSimulator;
let pulse: PulseSimulator;
let meridian: MeridianSimulator;
let meridianSftp: TestSftpServer;
let signing: ReturnType<typeof ensureFileSigningKey>;
const timings = { settleDelayMs: 30, returnDelayMs: 60 };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'xborder-rails-'));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const callback = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  keystone = await startKeystoneSimulator({ clientId: 'xborder', apiKey: 'ks_key', notificationUrl: `${callback}/keystone`, notificationSecret: 'ks_secret', timings });
  pulse = await startPulseSimulator({ apiKey: 'pk_key', webhookUrl: `${callback}/pulse`, webhookSecret: 'pk_secret', timings });
  signing = ensureFileSigningKey(join(root, 'keys'), 'meridian');
  meridian = startMeridianSimulator({ root: join(root, 'meridian'), signingKey: signing.privateKey, timings, pollMs: 20 });
  // The bank's SFTP server: the platform's user sees the exchange; `paused` an outbox nobody reads.
  meridianSftp = await startTestSftpServer({ xborder: meridian.exchange, paused: join(root, 'paused') });
});

afterAll(async () => {
  await meridianSftp.stop();
  meridian.stop();
  await keystone.stop();
  await pulse.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

const eventually = async <T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const instruction = (overrides: Partial<PayoutInstruction>): PayoutInstruction => ({
  payoutId: 'po_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  merchantId: 'mer_1',
  scheme: 'eft_ca',
  amount: 25_265,
  currency: 'CAD',
  reference: 'INV-42',
  beneficiary: { name: 'Maple Leaf Supplies Inc.', country: 'CA', entityType: 'company' },
  account: { token: 'tok_x', holderName: 'Maple Leaf Supplies Inc.', country: 'CA', currency: 'CAD', accountNumber: '9876543210', routingCode: '000412345' },
  createdAt: '2026-11-21T09:30:00.000Z',
  ...overrides,
});

describe('Keystone (SOAP)', () => {
  const rail = () => new KeystoneSoapRail({ url: keystone.url, clientId: 'xborder', apiKey: 'ks_key', timeoutMs: 5_000 });

  it('answers the same MessageId with the same payment, and settles it once, by signed notification', async () => {
    const first = await rail().submit(instruction({ payoutId: 'po_keystone1aaaaaaaaaaaaaaaaa' }));
    const again = await rail().submit(instruction({ payoutId: 'po_keystone1aaaaaaaaaaaaaaaaa' }));
    expect(again).toEqual(first);
    expect(first.bankReference).toMatch(/^KS\d{16}$/);
    const notification = await eventually(() => received.find((item) => item.channel === 'keystone' && item.message.kind === 'http' && item.message.body.includes('po_keystone1aaaaaaaaaaaaaaaaa')));
    const parser = new KeystoneMessageParser(['old_secret', 'ks_secret']);
    expect(parser.parse(notification.message, new Date())).toEqual([{ channel: 'keystone', railReference: 'po_keystone1aaaaaaaaaaaaaaaaa', type: 'paid', reason: null, occurredAt: expect.any(String) }]);
    expect(() => new KeystoneMessageParser(['another']).parse(notification.message, new Date())).toThrow(expect.objectContaining({ name: 'RailMessageRejectedError' }));
    expect(() => parser.parse(notification.message, new Date(Date.now() + 600_000))).toThrow(/outside the tolerance/);
    expect(keystone.payments().filter((item) => item.messageId === 'po_keystone1aaaaaaaaaaaaaaaaa')).toHaveLength(1);
  });

  it('refuses bad credentials and an invalid account as RailRejected; the same MessageId for another payment is no refusal (a payment exists under it)', async () => {
    await rail().submit(instruction({ payoutId: 'po_keystone2aaaaaaaaaaaaaaaaa' }));
    await expect(rail().submit(instruction({ payoutId: 'po_keystone2aaaaaaaaaaaaaaaaa', amount: 1 }))).rejects.toMatchObject({ name: 'RailOutcomeUnknown', reason: expect.stringContaining('DUPLICATE_MESSAGE_ID') });
    await expect(new KeystoneSoapRail({ url: keystone.url, clientId: 'xborder', apiKey: 'wrong', timeoutMs: 5_000 }).submit(instruction({ payoutId: 'po_keystone3aaaaaaaaaaaaaaaaa' }))).rejects.toMatchObject({ name: 'RailRejected' });
    await expect(rail().submit(instruction({ payoutId: 'po_keystone4aaaaaaaaaaaaaaaaa', reference: 'sim:reject:account-closed' }))).rejects.toMatchObject({
      name: 'RailRejected',
      reason: { code: 'account_closed', railCode: 'AC04' },
    });
  });

  it('says RailOutcomeUnknown for a Server fault (the payment may exist), RailUnavailable for a closed port (nothing sent)', async () => {
    await expect(rail().submit(instruction({ payoutId: 'po_keystone5aaaaaaaaaaaaaaaaa', reference: 'sim:unavailable:1' }))).rejects.toMatchObject({ name: 'RailOutcomeUnknown' });
    await expect(rail().lookup(instruction({ payoutId: 'po_keystone5aaaaaaaaaaaaaaaaa' }))).resolves.toEqual({ status: 'not_found' });
    await expect(rail().submit(instruction({ payoutId: 'po_keystone5aaaaaaaaaaaaaaaaa', reference: 'sim:unavailable:1' }))).resolves.toMatchObject({ railReference: 'po_keystone5aaaaaaaaaaaaaaaaa' });
    const closed = await freePort();
    await expect(new KeystoneSoapRail({ url: `http://127.0.0.1:${closed}`, clientId: 'x', apiKey: 'y', timeoutMs: 2_000 }).submit(instruction({}))).rejects.toMatchObject({ name: 'RailUnavailable' });
    await expect(new KeystoneSoapRail({ url: `http://127.0.0.1:${closed}`, clientId: 'x', apiKey: 'y', timeoutMs: 2_000 }).lookup(instruction({}))).rejects.toMatchObject({ name: 'RailUnavailable' });
  });

  it.each([
    ['a Server fault', 'fault'],
    ['a 502 from a proxy', '502'],
    ['a 504', '504'],
    ['a 429', '429'],
    ['silence past the timeout', 'hang'],
  ])('after taking a payment, answers %s: RailOutcomeUnknown or RailTimeout, never a refusal; GetPaymentStatus finds it', async (_case, kind) => {
    const payoutId = `po_ksamb${kind.padEnd(5, 'x')}aaaaaaaaaaaaaaaa`.slice(0, 29);
    const fast = new KeystoneSoapRail({ url: keystone.url, clientId: 'xborder', apiKey: 'ks_key', timeoutMs: 300 });
    await expect(fast.submit(instruction({ payoutId, reference: `sim:ambiguous:${kind}:1 sim:silent` }))).rejects.toMatchObject({ name: kind === 'hang' ? 'RailTimeout' : 'RailOutcomeUnknown' });
    await expect(fast.lookup(instruction({ payoutId }))).resolves.toEqual({ status: 'received' });
    await expect(fast.submit(instruction({ payoutId, reference: `sim:ambiguous:${kind}:1 sim:silent` }))).resolves.toMatchObject({ railReference: payoutId });
    expect(keystone.payments().filter((item) => item.messageId === payoutId)).toHaveLength(1);
  });

  it('looks up a payment settled, rejected or returned, with the reason', async () => {
    await rail().submit(instruction({ payoutId: 'po_keystone6aaaaaaaaaaaaaaaaa' }));
    await rail().submit(instruction({ payoutId: 'po_keystone7aaaaaaaaaaaaaaaaa', reference: 'sim:fail:account-closed' }));
    await eventually(() => (keystone.payments().filter((item) => item.messageId.startsWith('po_keystone6') || item.messageId.startsWith('po_keystone7')).every((item) => item.status !== 'RECEIVED') ? true : undefined));
    await expect(rail().lookup(instruction({ payoutId: 'po_keystone6aaaaaaaaaaaaaaaaa' }))).resolves.toEqual({ status: 'paid' });
    await expect(rail().lookup(instruction({ payoutId: 'po_keystone7aaaaaaaaaaaaaaaaa' }))).resolves.toMatchObject({ status: 'failed', reason: { code: 'account_closed', railCode: 'AC04' } });
  });
});

describe('Pulse (instant)', () => {
  const rail = () => new PulseInstantRail({ url: pulse.url, apiKey: 'pk_key', timeoutMs: 5_000 });
  const pix = (payoutId: string, reference = 'Pedido 9') =>
    instruction({ payoutId, scheme: 'pix', currency: 'BRL', reference, account: { token: 't', holderName: 'Ana', country: 'BR', currency: 'BRL', accountNumber: '52998224725' } });

  it('uses a PIX end-to-end id, answers a repeated Idempotency-Key with the same payment, and returns by signed webhook', async () => {
    const first = await rail().submit(pix('po_pulse1aaaaaaaaaaaaaaaaaaaa', 'sim:return:account-closed'));
    expect(first.railReference).toMatch(/^E99999999202611210930[A-Za-z0-9]{11}$/);
    expect(await rail().submit(pix('po_pulse1aaaaaaaaaaaaaaaaaaaa', 'sim:return:account-closed'))).toEqual(first);
    const parser = new PulseMessageParser(['pk_secret']);
    const events = await eventually(() => {
      const all = received.filter((item) => item.channel === 'pulse').flatMap((item) => parser.parse(item.message, new Date())).filter((event) => event.railReference === first.railReference);
      return all.some((event) => event.type === 'returned') ? all : undefined;
    });
    expect(events.map((event) => [event.type, event.reason?.railCode ?? null])).toEqual([
      ['paid', null],
      ['returned', 'AC07'],
    ]);
  });

  it.each([
    ['a 502', 'sim:ambiguous:502:1', 'RailOutcomeUnknown'],
    ['a 504', 'sim:ambiguous:504:1', 'RailOutcomeUnknown'],
    ['a 500', 'sim:ambiguous:fault:1', 'RailOutcomeUnknown'],
    ['silence past the timeout', 'sim:ambiguous:hang:1', 'RailTimeout'],
  ])('after taking a payment, answers %s: unknown, never a refusal; the lookup by end-to-end id finds it', async (_case, reference, name) => {
    const payoutId = `po_pulseamb${reference.slice(14, 18).replace(/[^a-z0-9]/g, 'x')}aaaaaaaaaaaaaa`.slice(0, 29);
    const fast = new PulseInstantRail({ url: pulse.url, apiKey: 'pk_key', timeoutMs: 300 });
    await expect(fast.submit(pix(payoutId, `${reference} sim:silent`))).rejects.toMatchObject({ name });
    await expect(fast.lookup(pix(payoutId))).resolves.toEqual({ status: 'received' });
    await expect(fast.submit(pix(payoutId, `${reference} sim:silent`))).resolves.toMatchObject({ bankReference: expect.stringMatching(/^pmt_/) });
    expect(pulse.payments().filter((item) => item.idempotencyKey === payoutId)).toHaveLength(1);
  });

  it('answers "key in use" while the first request is processed: unknown; then the payment exists, once', async () => {
    const payoutId = 'po_pulseinuseaaaaaaaaaaaaaaa';
    const request = pix(payoutId, 'sim:in-use:400 sim:silent');
    await expect(rail().submit(request)).rejects.toMatchObject({ name: 'RailOutcomeUnknown', reason: expect.stringContaining('504') });
    await expect(rail().submit(request)).rejects.toMatchObject({ name: 'RailOutcomeUnknown', reason: expect.stringContaining('idempotency_key_in_use') });
    await expect(rail().lookup(request)).resolves.toEqual({ status: 'not_found' });
    await eventually(() => (pulse.payments().some((item) => item.idempotencyKey === payoutId) ? true : undefined));
    await expect(rail().lookup(request)).resolves.toEqual({ status: 'received' });
    await expect(rail().submit(request)).resolves.toMatchObject({ railReference: rail().railReference(request) });
    expect(pulse.payments().filter((item) => item.idempotencyKey === payoutId)).toHaveLength(1);
  });

  it('refuses an invalid key or a rejected payment as RailRejected with the scheme\'s code', async () => {
    await expect(rail().submit(pix('po_pulse2aaaaaaaaaaaaaaaaaaaa', 'sim:reject:account-blocked'))).rejects.toMatchObject({ name: 'RailRejected', reason: { code: 'account_blocked', railCode: 'AC06' } });
    await expect(new PulseInstantRail({ url: pulse.url, apiKey: 'nope', timeoutMs: 5_000 }).submit(pix('po_pulse3aaaaaaaaaaaaaaaaaaaa'))).rejects.toMatchObject({ name: 'RailRejected' });
  });
});

describe('Meridian (files)', () => {
  const config = { odfiRouting: '267000416', companyId: '1987654321', companyName: 'XBORDER PAYMENTS', debtorIban: 'DE12500105170648489890', debtorBic: 'MRDNDEFFXXX', debtorName: 'xborder' };
  const rail = () => new MeridianFileRail({ sftp: meridianSftp.endpoint('xborder'), ...config });
  const parser = () => MeridianMessageParser.fromEnv({ MERIDIAN_FILE_SIGNING_KEYS: signing.publicKey });
  const inboxFile = (name: string): RailMessage => ({ kind: 'file', name, content: readFileSync(join(meridian.inbox, name), 'utf8'), signature: readFileSync(join(meridian.inbox, `${name}.sig`), 'utf8') });
  const inboxEvents = () =>
    readdirSync(meridian.inbox)
      .filter((name) => !name.startsWith('.') && !name.endsWith('.sig') && name !== 'processed' && name !== 'refused')
      .flatMap((name) => parser().parse(inboxFile(name), new Date()));

  it('drops one NACHA file per payout, pays it once even when the file comes again, and answers in the inbox', async () => {
    const ach = instruction({ payoutId: 'po_meridian1aaaaaaaaaaaaaaaa', scheme: 'ach', currency: 'USD', account: { token: 't', holderName: 'L', country: 'US', currency: 'USD', accountNumber: '000123456789', routingCode: '021000021' } });
    const submission = await rail().submit(ach);
    await rail().submit(ach);
    expect(submission.railReference).toMatch(/^XB[A-Z0-9]{13}$/);
    await eventually(() => (inboxEvents().some((event) => event.railReference === submission.railReference && event.type === 'paid') ? true : undefined));
    const archived = join(meridian.archive, submission.bankReference);
    expect(existsSync(archived)).toBe(true);
    writeFileSync(join(meridian.outbox, submission.bankReference), readFileSync(archived));
    await eventually(() => (readdirSync(meridian.archive).some((name) => name.startsWith(`${submission.bankReference}.duplicate`)) ? true : undefined));
    expect(meridian.payments().filter((payment) => payment.reference === submission.railReference)).toHaveLength(1);
  });

  it('looks a file up in its outbox: waiting there is taken; once the bank took it, only its status files tell', async () => {
    mkdirSync(join(root, 'paused', 'outbox'), { recursive: true });
    const paused = new MeridianFileRail({ sftp: meridianSftp.endpoint('paused'), ...config });
    const sepa = instruction({ payoutId: 'po_meridian3aaaaaaaaaaaaaaaa', scheme: 'sepa', currency: 'EUR', account: { token: 't', holderName: 'J', country: 'DE', currency: 'EUR', iban: 'DE89370400440532013000' } });
    await expect(paused.lookup(sepa)).resolves.toEqual({ status: 'unknown' });
    await paused.submit(sepa);
    await expect(paused.lookup(sepa)).resolves.toEqual({ status: 'received' });
  });

  it('answers a SEPA pain.001 with pain.002 statuses and a pacs.004 return', async () => {
    const sepa = instruction({ payoutId: 'po_meridian2aaaaaaaaaaaaaaaa', scheme: 'sepa', currency: 'EUR', reference: 'sim:return:no-account', account: { token: 't', holderName: 'J', country: 'DE', currency: 'EUR', iban: 'DE89370400440532013000' } });
    await rail().submit(sepa);
    const events = await eventually(() => {
      const mine = inboxEvents().filter((event) => event.railReference === sepa.payoutId);
      return mine.some((event) => event.type === 'returned') ? mine : undefined;
    });
    // Inbox files are read in name order, not in the order written: a return may be read before the settlement (it implies it).
    expect(events.map((event) => [event.type, event.reason?.railCode ?? null]).sort()).toEqual([
      ['paid', null],
      ['returned', 'AC03'],
    ]);
  });
  it("refuses a file that is unsigned, altered after signing, or signed with another key than the bank's pinned one", async () => {
    const sepa = instruction({ payoutId: 'po_meridian4aaaaaaaaaaaaaaaa', scheme: 'sepa', currency: 'EUR', reference: 'sim:return:no-account', account: { token: 't', holderName: 'J', country: 'DE', currency: 'EUR', iban: 'DE89370400440532013000' } });
    await rail().submit(sepa);
    const name = await eventually(() => readdirSync(meridian.inbox).find((file) => file === `PACS004_${sepa.payoutId}.xml`));
    const genuine = inboxFile(name);
    expect(parser().parse(genuine, new Date()).map((event) => event.type)).toEqual(['returned']);
    const forger = generateKeyPairSync('ed25519').privateKey;
    const altered = genuine.kind === 'file' ? genuine.content.replace(sepa.payoutId, 'po_someoneelseaaaaaaaaaaaaaa') : '';
    for (const [forged, reason] of [
      [{ ...genuine, signature: undefined }, /unsigned/],
      [{ ...genuine, content: altered }, /does not verify/],
      [{ ...genuine, content: altered, signature: sign(null, Buffer.from(altered), forger).toString('base64') }, /does not verify/],
      [{ ...genuine, signature: 'not base64 at all' }, /does not verify/],
    ] as const) {
      expect(() => parser().parse(forged as RailMessage, new Date())).toThrow(reason);
    }
  });
});
