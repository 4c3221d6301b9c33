import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbFxRepository } from '../../lambdas/adapters/dynamodb/fx-repository';
import { SimulatedRateProvider } from '../../lambdas/adapters/fx/simulated-rate-provider';
import { DEFAULT_SPREAD_SCHEDULE } from '../../lambdas/domain/fx/quote';
import { createFxQuote } from '../../lambdas/use-cases/fx/create-fx-quote';
import { deployment } from '../../platform/deployment';
import { tableName } from '../../platform/tables';
import { api, eventually, freshTestCard } from '../support/e2e';
import { repositoryRoot } from './global-setup';

/**
 * Issue 6 over real HTTP against `npm start` (started by global-setup.ts): a BRL card payment captured by
 * the payment saga and settled by the acquirer's webhook, converted to CAD at a locked quote, paid out to a
 * Canadian supplier through the simulated correspondent bank, with the balances and statement lines a
 * merchant expects; then what the issue checks: expired and reused quotes, a payout larger than the balance,
 * invalid IBANs and routing numbers, a sanctions hit held in review (decided with the operator CLI, audited),
 * a returned payout restoring the balance, and `npm run ledger:verify` reporting no difference.
 *
 * Its merchant is its own, onboarded through the operator CLI: the balances it compares are nobody else's.
 */
const run = promisify(execFile);
const stateDir = process.env.E2E_STATE_DIR as string;
const ops = async (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', ...args, '--state-dir', stateDir], { cwd: repositoryRoot });

// The expired quote is made by the quoting use case with a clock two minutes back, against the runtime's DynamoDB.
const runtime = JSON.parse(readFileSync(join(stateDir, 'runtime.json'), 'utf8')) as { dynamoDbEndpoint: string };
const dynamoDb = new DynamoDBClient({ region: deployment.primaryRegion, endpoint: runtime.dynamoDbEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const documentClient = DynamoDBDocumentClient.from(dynamoDb, { marshallOptions: { removeUndefinedValues: true } });
afterAll(() => dynamoDb.destroy());

let merchant: { id: string; api_key: string };
let key: string;
beforeAll(async () => {
  const onboarded = JSON.parse((await ops('onboard', '--name', 'Payout Story Games')).stdout) as { id: string; api_key: { secret: string } };
  merchant = { id: onboarded.id, api_key: onboarded.api_key.secret };
  key = merchant.api_key;
});

const post = (path: string, body: unknown) => api('POST', path, { key, idempotencyKey: randomUUID(), body });
const get = (path: string) => api('GET', path, { key });

/** A card payment through the payment saga, captured and then settled by the acquirer's webhook. */
const capturedPayment = async (amount: number, currency: string) => {
  const created = await post('/v1/payments', { amount, currency, payment_method: freshTestCard() });
  expect(created.status).toBe(201);
  const paymentId = created.json.id as string;
  const succeeded = await eventually(() => get(`/v1/payments/${paymentId}`), (got) => got.json.status === 'succeeded', 45_000);
  expect(succeeded.json).toMatchObject({ status: 'succeeded', amount_received: amount });
  type Line = { source: string; status: string; fee: number; net: number };
  const settledLine = (got: { json: { data: Line[] } }) => got.json.data.find((line) => line.source === paymentId && line.status === 'available');
  const lines = await eventually(() => get('/v1/balance_transactions?limit=100'), (got) => settledLine(got) !== undefined, 45_000);
  const line = settledLine(lines) as Line;
  return { paymentId, fee: line.fee, net: line.net };
};

const balanceOf = async (currency: string) => {
  const body = (await get('/v1/balances')).json;
  const pick = (list: { currency: string; amount: number }[]) => list.find((item) => item.currency === currency)?.amount ?? 0;
  return { available: pick(body.available), pending: pick(body.pending), reserved: pick(body.reserved) };
};

const waitForStatus = async (payoutId: string, statuses: string[], timeoutMs = 45_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const payout = (await get(`/v1/payouts/${payoutId}`)).json;
    if (statuses.includes(payout.status)) return payout;
    if (Date.now() > deadline) throw new Error(`${payoutId} is ${payout.status}, not ${statuses.join('/')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

const canadianSupplier = {
  name: 'Maple Leaf Supplies Inc.',
  entity_type: 'company',
  country: 'CA',
  currency: 'CAD',
  bank_account: { rail: 'eft_ca', institution_number: '004', transit_number: '12345', account_number: '9876543210' },
};

describe('the story: BRL in, converted to CAD at a locked quote, paid to a Canadian supplier', () => {
  it('ends with the balances and statement lines a merchant expects', async () => {
    const brlBefore = await balanceOf('BRL');
    const cadBefore = await balanceOf('CAD');
    const payment = await capturedPayment(1_250_000, 'BRL'); // a 12,500.00 BRL card payment, settled

    const quote = await post('/v1/fx/quotes', { sell_currency: 'BRL', buy_currency: 'CAD', sell_amount: 1_000_000, validity: 'MIN_15' });
    expect(quote.status).toBe(201);
    expect(quote.json).toMatchObject({ object: 'fx_quote', sell_currency: 'BRL', sell_amount: 1_000_000, buy_currency: 'CAD', status: 'active' });
    const cad = quote.json.buy_amount as number;
    expect(cad).toBe(Math.floor((1_000_000 * Number(quote.json.rate)) + 1e-6)); // 10,000.00 BRL at the locked rate, rounded down

    const conversion = await post('/v1/conversions', { quote_id: quote.json.id });
    expect(conversion.status).toBe(201);
    expect(conversion.json).toMatchObject({ object: 'conversion', status: 'completed', sell_amount: 1_000_000, buy_amount: cad, rate: quote.json.rate });

    const beneficiary = await post('/v1/beneficiaries', canadianSupplier);
    expect(beneficiary.status).toBe(201);
    expect(beneficiary.text).not.toContain('9876543210');
    expect(beneficiary.json.bank_account).toEqual({ rail: 'eft_ca', bank_country: 'CA', last4: '3210', institution_number: '004', transit_number: '12345' });

    const payout = await post('/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: cad, currency: 'CAD', reference: 'INV-2026-0042' });
    expect(payout.status).toBe(201);
    // The answer is the payout's run: reserved, screened and taken by the bank (paid already if its notification came first).
    expect(payout.json).toMatchObject({ object: 'payout', amount: cad, currency: 'CAD', rail: 'eft_ca', submitted_at: expect.any(String) });
    expect(['processing', 'paid']).toContain(payout.json.status);
    const paid = await waitForStatus(payout.json.id, ['paid', 'failed']);
    expect(paid).toMatchObject({ status: 'paid', failure_code: null, paid_at: expect.any(String) });

    expect(await balanceOf('BRL')).toEqual({ available: brlBefore.available + payment.net - 1_000_000, pending: brlBefore.pending, reserved: 0 });
    expect(await balanceOf('CAD')).toEqual({ available: cadBefore.available, pending: 0, reserved: 0 });

    const lines = (await get('/v1/balance_transactions?limit=100')).json.data as { type: string; source: string; amount: number; fee: number; net: number; currency: string; status: string }[];
    const mine = lines.filter((line) => [payment.paymentId, conversion.json.id, payout.json.id].includes(line.source));
    expect(mine.map((line) => [line.type, line.currency, line.amount, line.fee, line.net, line.status])).toEqual([
      ['payout', 'CAD', -cad, 0, -cad, 'available'],
      ...(['conversion', 'conversion'] as const).map(() => expect.anything()),
      ['payment', 'BRL', 1_250_000, payment.fee, payment.net, 'available'],
    ]);
    // The conversion's two lines (same instant): BRL out, CAD in.
    expect(mine.filter((line) => line.type === 'conversion').map((line) => [line.currency, line.net]).sort()).toEqual([
      ['BRL', -1_000_000],
      ['CAD', cad],
    ]);
  });
});

describe('what the issue checks', () => {
  it('refuses an expired quote (422 quote_expired) and a reused one (409 quote_already_used)', async () => {
    await capturedPayment(200_000, 'USD');
    const { quote: expired } = await createFxQuote(
      { quotes: new DynamoDbFxRepository(documentClient, tableName('fx')), rates: new SimulatedRateProvider(), spreads: DEFAULT_SPREAD_SCHEDULE, now: () => new Date(Date.now() - 120_000) },
      { merchantId: merchant.id, idempotencyKey: randomUUID(), requestFingerprint: 'e2e', sellCurrency: 'USD', buyCurrency: 'EUR', amount: { sellAmount: 1_000 }, validity: 'MIN_1' },
    );
    expect((await get(`/v1/fx/quotes/${expired.id}`)).json.status).toBe('expired');
    const late = await post('/v1/conversions', { quote_id: expired.id });
    expect(late.status).toBe(422);
    expect(late.json).toMatchObject({ code: 'quote_expired' });

    const quote = await post('/v1/fx/quotes', { sell_currency: 'USD', buy_currency: 'JPY', sell_amount: 1_000, validity: 'MIN_1' });
    expect((await post('/v1/conversions', { quote_id: quote.json.id })).status).toBe(201);
    const reused = await post('/v1/conversions', { quote_id: quote.json.id });
    expect(reused.status).toBe(409);
    expect(reused.json).toMatchObject({ code: 'quote_already_used' });
  });

  it('refuses a payout larger than the available balance (422 insufficient_funds)', async () => {
    const beneficiary = await post('/v1/beneficiaries', canadianSupplier);
    const { available } = await balanceOf('CAD');
    const response = await post('/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: available + 1, currency: 'CAD', reference: 'too much' });
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ code: 'insufficient_funds' });
  });

  it('refuses an invalid IBAN and an invalid routing number, naming the field', async () => {
    const iban = await post('/v1/beneficiaries', { name: 'Jana Novakova', entity_type: 'individual', country: 'DE', currency: 'EUR', bank_account: { rail: 'sepa', iban: 'DE89370400440532013001' } });
    expect(iban.status).toBe(422);
    expect(iban.json.errors).toEqual([{ field: 'bank_account.iban', message: 'fails the IBAN checksum (mod 97): check for a typo' }]);
    const routing = await post('/v1/beneficiaries', { name: 'Lakeside Lumber LLC', entity_type: 'company', country: 'US', currency: 'USD', bank_account: { rail: 'ach', routing_number: '021000022', account_number: '000123456789' } });
    expect(routing.status).toBe(422);
    expect(routing.json.errors).toEqual([{ field: 'bank_account.routing_number', message: 'fails the ABA routing number checksum (3-7-1): check for a typo' }]);
  });

  it('holds a sanctions hit in review until an operator approves it with the CLI', async () => {
    await capturedPayment(300_000, 'USD');
    const beneficiary = await post('/v1/beneficiaries', { name: 'ALVAREZ QUINTERO, Jose Manuel', entity_type: 'individual', country: 'PA', currency: 'USD', bank_account: { rail: 'swift', bic: 'BOFAUS3N', account_number: '123456789012' } });
    const payout = await post('/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: 10_000, currency: 'USD', reference: 'Consulting fees' });
    expect(payout.json.status).toBe('in_review');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await get(`/v1/payouts/${payout.json.id}`)).json.status).toBe('in_review');

    const shown = await run(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', 'payout', payout.json.id, '--state-dir', stateDir], { cwd: repositoryRoot });
    expect(JSON.parse(shown.stdout).review).toMatchObject({ reasons: ['sanctions_match'], hits: [expect.objectContaining({ entryId: 'XSL-0002' })] });
    // A viewer may look but not decide.
    const refused = await run(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', 'review-payout', payout.json.id, 'approve', '--role', 'ops_viewer', '--state-dir', stateDir], { cwd: repositoryRoot }).catch((error: { code: number; stdout: string }) => error);
    expect(refused).toMatchObject({ code: 1 });
    const decided = await run(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', 'review-payout', payout.json.id, 'approve', '--note', 'False positive', '--state-dir', stateDir], { cwd: repositoryRoot });
    // The decision ran the payout's workflow: the answer shows it with the bank (or paid already).
    expect(JSON.parse(decided.stdout)).toMatchObject({ status: expect.stringMatching(/^(processing|paid)$/), review: { decision: 'approve', decidedBy: expect.stringMatching(/^ops_admin\//) } });
    const audit = await run(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', 'audit', merchant.id, '--state-dir', stateDir], { cwd: repositoryRoot });
    expect(JSON.parse(audit.stdout).data[0]).toMatchObject({ action: 'payout.review', actor: { type: 'operator', role: 'ops_admin' }, target: { type: 'payout', id: payout.json.id } });
    await waitForStatus(payout.json.id, ['paid']);
  });

  it('restores the balance when the bank returns a paid payout (ACH return file)', async () => {
    await capturedPayment(500_000, 'USD');
    const before = await balanceOf('USD');
    const beneficiary = await post('/v1/beneficiaries', { name: 'Lakeside Lumber LLC', entity_type: 'company', country: 'US', currency: 'USD', bank_account: { rail: 'ach', routing_number: '021000021', account_number: '000123456789' } });
    const payout = await post('/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: 123_456, currency: 'USD', reference: 'sim:return:account-closed' });
    const returned = await waitForStatus(payout.json.id, ['returned', 'failed']);
    expect(returned).toMatchObject({ status: 'returned', failure_code: 'account_closed', paid_at: expect.any(String) });
    expect(await balanceOf('USD')).toEqual({ ...before, reserved: 0 });
  });

  it.each([
    ['SEPA, through Meridian\'s batch files', 'EUR', { name: 'Jana Novakova', entity_type: 'individual', country: 'DE', currency: 'EUR', bank_account: { rail: 'sepa', iban: 'DE89 3704 0044 0532 0130 00' } }],
    ['SPEI, through Pulse', 'MXN', { name: 'Talleres Norte SA de CV', entity_type: 'company', country: 'MX', currency: 'MXN', bank_account: { rail: 'spei', clabe: '032180000118359719' } }],
    ['PIX, through Pulse', 'BRL', { name: 'Ana Souza', entity_type: 'individual', country: 'BR', currency: 'BRL', bank_account: { rail: 'pix', pix_key: '52998224725' } }],
  ])('pays out over %s, the account masked in every answer', async (_rail, currency, details) => {
    await capturedPayment(50_000, currency);
    const beneficiary = await post('/v1/beneficiaries', details);
    expect(beneficiary.status).toBe(201);
    const payout = await post('/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: 10_000, currency, reference: 'Supplier invoice 7' });
    expect(payout.status).toBe(201);
    expect(await waitForStatus(payout.json.id, ['paid', 'failed', 'returned'])).toMatchObject({ status: 'paid', amount: 10_000, currency });
  });

  it("takes the rails' callbacks only with their signature: a forged Pulse webhook is 401 and changes nothing, Meridian has no callback", async () => {
    // The genuine callbacks of the payouts above reached this route through the runtime's bridge (they are paid).
    const forged = JSON.stringify({ id: 'evt_forged', type: 'payment.returned', data: { idempotency_key: 'po_forged' } });
    const unsigned = await api('POST', '/v1/rail_events/pulse', { rawBody: forged, headers: { 'Content-Type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    const wrongKey = await api('POST', '/v1/rail_events/pulse', { rawBody: forged, headers: { 'Content-Type': 'application/json', 'Pulse-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'ab'.repeat(32)}` } });
    expect(wrongKey.json).toMatchObject({ status: 401, code: 'unauthorized' });
    const soap = await api('POST', '/v1/rail_events/keystone', { rawBody: '<Envelope/>', headers: { 'Content-Type': 'text/xml' } });
    expect(soap.status).toBe(401);
    expect((await api('POST', '/v1/rail_events/meridian', { rawBody: '{}', headers: { 'Content-Type': 'application/json' } })).status).toBe(404);
  });

  it('leaves a ledger that `npm run ledger:verify` finds consistent', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/ledger-verify.ts', '--state-dir', stateDir], { cwd: repositoryRoot });
    expect(stdout).toContain('OK: every transaction balances per currency');
  });
});
