import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scheduledEvent } from '../../../local/schedules';
import { fundMerchant } from '../../support/funds';
import { type PayoutPlatform, startPayoutPlatform } from '../../support/payout-platform';

/**
 * The scheduled pull of Meridian's inbox, as it runs in AWS: the bridge of the local runtime is told not to
 * read the inbox (`inboxPollMs: 0`), so the bank's answers wait on its SFTP server until the real
 * `pullPayoutRailInbox` handler (hosted by LambdaHost, with the rail's SFTP settings and signing key from
 * its environment) reads them, applies them to their payouts and files them away.
 */
let platform: PayoutPlatform;

beforeAll(async () => {
  platform = await startPayoutPlatform({ inboxPollMs: 0 });
}, 60_000);

afterAll(async () => {
  await platform.stop();
});

type PullResult = { processed: number; refused: number; failed: number; deferred: number };
const pull = () => platform.lambdas.invoke<PullResult>('pullPayoutRailInbox', scheduledEvent('pullPayoutRailInbox', new Date()));
const inboxFiles = () => readdirSync(platform.rails.meridian.inbox, { withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.endsWith('.sig')).map((entry) => entry.name);

const until = async <T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> => {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** Pull until the payout reaches `status` (the bank drops its files a little after each step). */
const pullUntil = async (payoutId: string, status: string) => {
  for (const deadline = Date.now() + 15_000; ; ) {
    expect(await pull()).toMatchObject({ refused: 0, failed: 0 });
    if ((await platform.stored(payoutId))?.status === status) return;
    if (Date.now() > deadline) throw new Error(`payout ${payoutId} not ${status} after pulling for 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const achPayout = async (merchantId: string, reference: string) => {
  await fundMerchant(platform.ledger, merchantId, 100_000, 'USD');
  const ben = await platform.call('createBeneficiary', {
    method: 'POST', resource: '/v1/beneficiaries', merchantId,
    body: { name: 'Lakeside Lumber LLC', entity_type: 'company', country: 'US', currency: 'USD', bank_account: { rail: 'ach', routing_number: '021000021', account_number: '000123456789' } },
  });
  const created = await platform.call('createPayout', { method: 'POST', resource: '/v1/payouts', merchantId, body: { beneficiary_id: ben.body.id, amount: 25_000, currency: 'USD', reference } });
  expect(created.status).toBe(201);
  return created.body.id as string;
};

it("confirms, then returns, an ACH payout only when the pull reads the bank's files; a file is applied once", async () => {
  const payoutId = await achPayout('mer_inbox_pull', 'sim:return:account-closed');
  // The bank answers (a status report, later the NACHA return); nothing reads its inbox but the pull.
  const first = await until('the status report in the inbox', () => inboxFiles().length > 0 && inboxFiles());
  expect((await platform.stored(payoutId))?.status).toBe('processing');

  const pulled = await pull();
  expect(pulled).toMatchObject({ refused: 0, failed: 0 });
  expect(pulled.processed).toBeGreaterThanOrEqual(first.length);
  for (const name of first) {
    expect(existsSync(join(platform.rails.meridian.inbox, 'processed', name))).toBe(true);
    expect(existsSync(join(platform.rails.meridian.inbox, 'processed', `${name}.sig`))).toBe(true);
  }

  await pullUntil(payoutId, 'returned');
  const returned = await platform.waitForPayout('mer_inbox_pull', payoutId, ['returned'], 5_000);
  expect(returned).toMatchObject({ failure_code: 'account_closed' });
  expect(await platform.balance('mer_inbox_pull', 'USD')).toMatchObject({ reserved: 0 });

  // The same file dropped again (the bank resends a day's file): applied again, changes nothing.
  const processedDir = join(platform.rails.meridian.inbox, 'processed');
  const again = readdirSync(processedDir).find((name) => name.startsWith('RET_') && !name.endsWith('.sig'));
  expect(again).toBeDefined();
  writeFileSync(join(platform.rails.meridian.inbox, `AGAIN_${again}.sig`), readFileSync(join(processedDir, `${again}.sig`)));
  writeFileSync(join(platform.rails.meridian.inbox, `AGAIN_${again}`), readFileSync(join(processedDir, again as string)));
  const before = await platform.balance('mer_inbox_pull', 'USD');
  expect(await pull()).toMatchObject({ processed: 1, refused: 0, failed: 0 });
  expect(await platform.balance('mer_inbox_pull', 'USD')).toEqual(before);
  expect((await platform.stored(payoutId))?.status).toBe('returned');
  expect((await platform.verify()).differences).toEqual([]);
}, 60_000);

it('files an unsigned answer under refused/ with its reason and leaves the payout as it was', async () => {
  const payoutId = await achPayout('mer_inbox_forged', 'Invoice 9');
  await pullUntil(payoutId, 'paid');

  const name = `RET_${payoutId}_unsigned.ach`;
  writeFileSync(join(platform.rails.meridian.inbox, name), 'not a NACHA file');
  expect(await pull()).toMatchObject({ processed: 0, refused: 1, failed: 0 });
  expect(readFileSync(join(platform.rails.meridian.inbox, 'refused', `${name}.reason.txt`), 'utf8')).toMatch(/unsigned/);
  expect(inboxFiles()).not.toContain(name);
  expect((await platform.stored(payoutId))?.status).toBe('paid');
}, 60_000);
