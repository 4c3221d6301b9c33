import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { scheduledEvent } from '../../../local/schedules';
import { listenLocally } from '../../../local/ports';
import { deployment } from '../../../platform/deployment';
import { apiGatewayEvent } from '../../support/api-events';
import { fundMerchant } from '../../support/funds';
import { type PayoutPlatform, startPayoutPlatform } from '../../support/payout-platform';

/**
 * Meridian's files and the two regions (decision 0049), with the real functions, the bank simulator's SFTP server
 * and signing key, and the route as API Gateway invokes it:
 * - the route takes a Meridian file only as the other region forwards one (its name and detached signature in
 *   headers; without them 404 as for any other channel), and the signature is what authenticates it;
 * - the scheduled pull, given the regions' API URLs, sends a file about a payout whose merchant is homed in the
 *   other region to that region's route (a stand-in here) instead of applying it, and files it away only once
 *   that region took it.
 * The bridge does not read the inbox (`inboxPollMs: 0`): the bank's files wait there for the test.
 */
let platform: PayoutPlatform;

beforeAll(async () => {
  platform = await startPayoutPlatform({ inboxPollMs: 0 });
}, 60_000);

afterAll(async () => {
  await platform.stop();
});

const inbox = () => platform.rails.meridian.inbox;
const inboxFiles = () => readdirSync(inbox(), { withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.endsWith('.sig')).map((entry) => entry.name).sort();
const fileOf = (name: string) => ({ name, content: readFileSync(join(inbox(), name), 'utf8'), signature: readFileSync(join(inbox(), `${name}.sig`), 'utf8') });

const achPayout = async (merchantId: string) => {
  await fundMerchant(platform.ledger, merchantId, 100_000, 'USD');
  const ben = await platform.call('createBeneficiary', {
    method: 'POST', resource: '/v1/beneficiaries', merchantId,
    body: { name: 'Lakeside Lumber LLC', entity_type: 'company', country: 'US', currency: 'USD', bank_account: { rail: 'ach', routing_number: '021000021', account_number: '000123456789' } },
  });
  const created = await platform.call('createPayout', { method: 'POST', resource: '/v1/payouts', merchantId, body: { beneficiary_id: ben.body.id, amount: 25_000, currency: 'USD', reference: 'Invoice 49' } });
  expect(created.status).toBe(201);
  return created.body.id as string;
};

/** What a rail's answer may change on a payout. */
const railView = async (payoutId: string) => {
  const payout = await platform.stored(payoutId);
  return { status: payout?.status, railStatus: payout?.railStatus, funds: payout?.funds, paidAt: payout?.paidAt, attention: payout?.attention };
};

const postRailEvent = async (channel: string, headers: Record<string, string>, body: string) => {
  const response = await platform.lambdas.invoke<APIGatewayProxyResult>(
    'receivePayoutRailEvents',
    apiGatewayEvent({ method: 'POST', resource: '/v1/rail_events/{channel}', path: `/v1/rail_events/${channel}`, pathParameters: { channel }, headers, body }),
  );
  return { status: response.statusCode, body: response.body, json: response.headers?.['Content-Type'] === 'application/problem+json' ? JSON.parse(response.body) : undefined };
};

const forwarded = (file: { name: string; content: string; signature: string }) => ({
  'Content-Type': 'text/plain; charset=utf-8',
  'Xborder-Rail-File-Name': file.name,
  'Xborder-Rail-File-Signature': file.signature.trim(),
  'Xborder-Forwarded-From': deployment.secondaryRegion,
});

it("applies a Meridian file the other region forwards when the bank's signature verifies; refuses one that does not (401)", async () => {
  const payoutId = await achPayout('mer_fwd_file');
  const posted = new Set<string>();
  // The bank answers in a file or two (a status report that accepts, then one that settles): each goes through the route.
  for (const deadline = Date.now() + 20_000; (await platform.stored(payoutId))?.status !== 'paid'; ) {
    if (Date.now() > deadline) throw new Error(`payout ${payoutId} not paid through the route in 20 s`);
    for (const name of inboxFiles().filter((file) => !posted.has(file))) {
      const answer = await postRailEvent('meridian', forwarded(fileOf(name)), fileOf(name).content);
      expect({ name, status: answer.status, body: answer.body }).toEqual({ name, status: 200, body: 'processed' });
      posted.add(name);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const paid = await railView(payoutId);
  const [name] = [...posted];
  const file = fileOf(name!);

  // Altered by one character, or signed for another file: 401, and nothing changes.
  const altered = await postRailEvent('meridian', forwarded(file), `${file.content} `);
  expect({ status: altered.status, code: altered.json?.code }).toEqual({ status: 401, code: 'unauthorized' });
  const other = inboxFiles().find((candidate) => candidate !== name && readFileSync(join(inbox(), candidate), 'utf8') !== file.content);
  if (other) {
    const mismatched = await postRailEvent('meridian', { ...forwarded(file), 'Xborder-Rail-File-Signature': fileOf(other).signature.trim() }, file.content);
    expect(mismatched.status).toBe(401);
  }
  const garbage = await postRailEvent('meridian', { ...forwarded(file), 'Xborder-Rail-File-Signature': 'AAAA' }, file.content);
  expect(garbage.status).toBe(401);
  expect(await railView(payoutId)).toEqual(paid);

  // Applying the same file again changes nothing.
  expect((await postRailEvent('meridian', forwarded(file), file.content)).status).toBe(200);
  expect(await railView(payoutId)).toEqual(paid);
}, 60_000);

it.each([
  ['no file headers', {}],
  ['a name without a signature', { 'Xborder-Rail-File-Name': 'STATUS_1.txt' }],
  ['a signature without a name', { 'Xborder-Rail-File-Signature': 'AAAA' }],
])('answers 404 for a Meridian message with %s, as for any other channel', async (_case, headers) => {
  const answer = await postRailEvent('meridian', { 'Content-Type': 'text/plain', ...headers }, 'H20261207');
  expect({ status: answer.status, code: answer.json?.code }).toEqual({ status: 404, code: 'resource_not_found' });
});

it('answers 400 naming the header for a file name that is not one', async () => {
  const answer = await postRailEvent('meridian', { 'Xborder-Rail-File-Name': '../inbox/x', 'Xborder-Rail-File-Signature': 'AAAA' }, 'H20261207');
  expect({ status: answer.status, field: answer.json?.errors?.[0]?.field }).toEqual({ status: 400, field: 'Xborder-Rail-File-Name' });
});

describe('the pull, given the regions API URLs', () => {
  let home: Server;
  let homeStatus = 503;
  const received: { url: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];

  beforeAll(async () => {
    home = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(homeStatus, { 'Content-Type': 'text/plain' }).end(homeStatus === 200 ? 'processed' : 'retry');
      });
    });
    process.env.REGION_API_URLS = JSON.stringify({ [deployment.secondaryRegion]: `${await listenLocally(home)}/prod` });
  });

  afterAll(async () => {
    delete process.env.REGION_API_URLS;
    home.closeAllConnections();
    await new Promise((closed) => home.close(closed));
  });

  type PullResult = { processed: number; refused: number; failed: number; deferred: number };
  const pull = () => platform.lambdas.invoke<PullResult>('pullPayoutRailInbox', scheduledEvent('pullPayoutRailInbox', new Date()));

  it("sends a file about a payout homed in the other region there, and files it away only once that region took it", async () => {
    // The payout was sent from here (submitted: `processing`); its merchant is then homed in the secondary (its
    // marker says so).
    const merchantId = 'mer_fwd_pull';
    const payoutId = await achPayout(merchantId);
    let reference: string | null | undefined;
    for (const deadline = Date.now() + 20_000; !reference; await new Promise((resolve) => setTimeout(resolve, 100))) {
      if (Date.now() > deadline) throw new Error(`payout ${payoutId} not submitted in 20 s`);
      const stored = await platform.stored(payoutId);
      reference = stored?.status === 'processing' ? stored.railReference : undefined;
    }
    await platform.ledger.ledger.putHomeRegion({ merchantId, region: deployment.secondaryRegion, fenced: false, epoch: 1, updatedAt: new Date().toISOString() }, 0);
    const before = await railView(payoutId);

    // The home does not take it: the bank's file answering about the payout (not its mere acknowledgement of our
    // file, which says nothing about a payout and is filed away) stays for the next pull, and the pull fails (its
    // retries, its alarm). Other files waiting (the first test's payout's) are applied here as before.
    homeStatus = 503;
    let name: string | undefined;
    for (const deadline = Date.now() + 20_000; !name; await new Promise((resolve) => setTimeout(resolve, 200))) {
      if (Date.now() > deadline) throw new Error(`no answer about ${payoutId} left in the inbox in 20 s`);
      const waiting = inboxFiles();
      const pulled = await pull().then(
        () => 'pulled',
        (error: Error) => error.name,
      );
      name = inboxFiles().find((file) => waiting.includes(file) && readFileSync(join(inbox(), file), 'utf8').includes(reference!));
      if (name) expect(pulled).toBe('RailInboxPullFailed');
    }
    const file = fileOf(name);
    expect(received.map((request) => request.url)).toContain('/prod/v1/rail_events/meridian');
    const sent = received.find((request) => request.headers['xborder-rail-file-name'] === name);
    expect(sent).toMatchObject({
      body: file.content,
      headers: { 'xborder-rail-file-signature': file.signature.trim(), 'xborder-forwarded-from': deployment.primaryRegion },
    });

    // It does: filed under processed/. Nothing of the payout was written here either time.
    homeStatus = 200;
    expect(await pull()).toMatchObject({ failed: 0, refused: 0 });
    expect(inboxFiles()).not.toContain(name);
    expect(readdirSync(join(inbox(), 'processed'))).toContain(name);
    expect(await railView(payoutId)).toEqual(before);
  }, 60_000);
});
