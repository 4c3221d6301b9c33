import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { achReferenceOf } from '../../../lambdas/adapters/rails/meridian-file-rail';
import { writeNachaFile } from '../../../lambdas/adapters/rails/formats/nacha';
import { DynamoDbFxRepository } from '../../../lambdas/adapters/dynamodb/fx-repository';
import { SimulatedRateProvider } from '../../../lambdas/adapters/fx/simulated-rate-provider';
import { DEFAULT_SPREAD_SCHEDULE } from '../../../lambdas/domain/fx/quote';
import { createFxQuote } from '../../../lambdas/use-cases/fx/create-fx-quote';
import { decidePayoutReview } from '../../../lambdas/use-cases/payouts/decide-payout-review';
import { DynamoDbPayoutRepository } from '../../../lambdas/adapters/dynamodb/payout-repository';
import { workflows } from '../../../lambdas/wiring/payments';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { fundMerchant } from '../../support/funds';
import { opensshSftp } from '../../support/openssh-sftp';
import { type PayoutPlatform, startPayoutPlatform } from '../../support/payout-platform';

/**
 * Every path of the payout workflows, end to end on one machine: merchant API handlers, the real ASL on the
 * local Step Functions engine (the Express payout run, the Standard review and confirmation waits), the real
 * task functions, DynamoDB Local, the local KMS and the three simulated rails (Meridian files, Keystone
 * SOAP, Pulse instant) answering through the callback bridge. Each answer is the run's result (no polling
 * for what the request itself did). After each path the ledger verifier must find nothing wrong.
 */
let platform: PayoutPlatform;

beforeAll(async () => {
  platform = await startPayoutPlatform();
}, 60_000);

afterAll(async () => {
  await platform.stop();
});

const beneficiaries = {
  canada: { name: 'Maple Leaf Supplies Inc.', entity_type: 'company', country: 'CA', currency: 'CAD', bank_account: { rail: 'eft_ca', institution_number: '004', transit_number: '12345', account_number: '9876543210' } },
  us: { name: 'Lakeside Lumber LLC', entity_type: 'company', country: 'US', currency: 'USD', bank_account: { rail: 'ach', routing_number: '021000021', account_number: '000123456789' } },
  germany: { name: 'Jana Novakova', entity_type: 'individual', country: 'DE', currency: 'EUR', bank_account: { rail: 'sepa', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' } },
  brazil: { name: 'Ana Souza', entity_type: 'individual', country: 'BR', currency: 'BRL', bank_account: { rail: 'pix', pix_key: '52998224725' } },
  mexico: { name: 'Talleres Norte SA de CV', entity_type: 'company', country: 'MX', currency: 'MXN', bank_account: { rail: 'spei', clabe: '032180000118359719' } },
  sanctioned: { name: 'Jose Manuel Alvarez Quintero', entity_type: 'individual', country: 'PA', currency: 'USD', bank_account: { rail: 'swift', bic: 'BOFAUS3N', account_number: '123456789012' } },
} as const;

const beneficiary = async (merchantId: string, kind: keyof typeof beneficiaries) => {
  const response = await platform.call('createBeneficiary', { method: 'POST', resource: '/v1/beneficiaries', merchantId, body: beneficiaries[kind] });
  expect(response.status).toBe(201);
  return response.body.id as string;
};

const payout = async (merchantId: string, body: Record<string, unknown>, key?: string) =>
  platform.call('createPayout', { method: 'POST', resource: '/v1/payouts', merchantId, body, ...(key ? { key } : {}) });

const lines = async (merchantId: string) =>
  (await platform.call('listBalanceTransactions', { method: 'GET', resource: '/v1/balance_transactions', merchantId, query: { limit: '100' } })).body.data as {
    type: string;
    amount: number;
    currency: string;
    source: string;
  }[];

const operatorDeps = () => ({
  payouts: new DynamoDbPayoutRepository(platform.db.documentClient, tableName('payouts'), deployment.primaryRegion),
  workflows: workflows(),
  now: () => new Date(),
});

/** The payout's Standard wait executions (named `<payout id>-review` or `-confirmation`), with their status. */
const waits = async (wait: 'review' | 'confirmation', payoutId: string) =>
  ((await platform.engine.listExecutions({ stateMachineArn: platform.engine.stateMachineArn('payoutWait'), maxResults: 1000 })).executions ?? []).filter((execution) => execution.name === `${payoutId}-${wait}`);

afterEach(async () => {
  expect((await platform.verify()).differences).toEqual([]);
});

describe('paid', () => {
  it('pays a Canadian supplier over Keystone EFT: reserved, submitted, confirmed by SOAP notification, settled', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_cad', 100_000, 'CAD');
    const ben = await beneficiary('mer_po_cad', 'canada');
    const created = await payout('mer_po_cad', { beneficiary_id: ben, amount: 25_000, currency: 'CAD', reference: 'INV-2026-0042' });
    expect(created.status).toBe(201);
    // The answer is the run's result: reserved, screened and taken by the bank (or already paid, if its notification beat the answer).
    expect(created.body).toMatchObject({ object: 'payout', amount: 25_000, currency: 'CAD', source_currency: 'CAD', source_amount: 25_000, rail: 'eft_ca', quote_id: null, submitted_at: expect.any(String) });
    expect(['processing', 'paid']).toContain(created.body.status);
    const paid = await platform.waitForPayout('mer_po_cad', created.body.id, ['paid']);
    expect(paid).toMatchObject({ status: 'paid', failure_code: null, submitted_at: expect.any(String), paid_at: expect.any(String) });
    expect(await platform.balance('mer_po_cad', 'CAD')).toMatchObject({ available: funded.net - 25_000, reserved: 0 });
    const keystone = platform.rails.keystone.payments().find((item) => item.endToEndId === created.body.id);
    expect(keystone).toMatchObject({ scheme: 'EFT', amount: '250.00', currency: 'CAD', status: 'SETTLED' });
    expect((await lines('mer_po_cad')).filter((line) => line.source === created.body.id).map((line) => [line.type, line.amount])).toEqual([['payout', -25_000]]);
    // At most one Standard execution held it while the bank confirmed (none when the bank's notification beat the
    // run to it), and nothing stays open after paid.
    const held = await waits('confirmation', created.body.id);
    expect(held.length).toBeLessThanOrEqual(1);
    for (const wait of held) expect((await platform.engine.waitForExecution(wait.executionArn as string)).status).toBe('SUCCEEDED');
    expect(await platform.stored(created.body.id)).toMatchObject({ funds: 'paid', railStatus: 'paid', inFlightSince: null });
    // The bank's word `paid` was carried by the run and recorded with the payment, in one write (decision 0052):
    // create, reserved, submitted, received (unless the notification came first), paid; not a sixth version.
    const stored = await platform.stored(created.body.id);
    expect(stored?.version).toBeLessThanOrEqual(5);
    expect(stored?.history.map((entry) => entry.status)).toEqual(['pending', 'processing', 'paid']);
  });

  it('pays from another balance, converting at a quote the platform takes (BRL → CAD)', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_fx', 500_000, 'BRL');
    const ben = await beneficiary('mer_po_fx', 'canada');
    const created = await payout('mer_po_fx', { beneficiary_id: ben, amount: 50_000, currency: 'CAD', source_currency: 'BRL', reference: 'INV-FX-1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ source_currency: 'BRL', quote_id: expect.stringMatching(/^qt_/) });
    const sourceAmount = created.body.source_amount as number;
    expect(sourceAmount).toBeGreaterThan(50_000 * 3);
    await platform.waitForPayout('mer_po_fx', created.body.id, ['paid']);
    expect(await platform.balance('mer_po_fx', 'BRL')).toMatchObject({ available: funded.net - sourceAmount, reserved: 0 });
    expect(await platform.balance('mer_po_fx', 'CAD')).toMatchObject({ available: 0, reserved: 0 });
    const quote = await platform.call('getFxQuote', { method: 'GET', resource: '/v1/fx/quotes/{id}', id: created.body.quote_id, merchantId: 'mer_po_fx' });
    expect(quote.body).toMatchObject({ status: 'used', used_by: created.body.id, sell_amount: sourceAmount, buy_amount: 50_000 });
  });

  it.each([
    ['SEPA over Meridian files (pain.001 → pain.002 ACSC)', 'germany', 'EUR', 'mer_po_sepa'],
    ['ACH over Meridian files (NACHA → status report SETTLED)', 'us', 'USD', 'mer_po_ach'],
    ['PIX over Pulse, answered by webhook', 'brazil', 'BRL', 'mer_po_pix'],
    ['SPEI over Pulse', 'mexico', 'MXN', 'mer_po_spei'],
  ] as const)('pays %s', async (_rail, kind, currency, merchantId) => {
    await fundMerchant(platform.ledger, merchantId, 100_000, currency);
    const ben = await beneficiary(merchantId, kind);
    const created = await payout(merchantId, { beneficiary_id: ben, amount: 12_345, currency, reference: 'Invoice 77' });
    expect(created.status).toBe(201);
    await platform.waitForPayout(merchantId, created.body.id, ['paid']);
    expect(await platform.balance(merchantId, currency)).toMatchObject({ reserved: 0 });
  });

  it('retries a rail that is briefly unavailable with the same idempotency key: paid once', async () => {
    await fundMerchant(platform.ledger, 'mer_po_retry', 100_000, 'BRL');
    const ben = await beneficiary('mer_po_retry', 'brazil');
    const created = await payout('mer_po_retry', { beneficiary_id: ben, amount: 1_000, currency: 'BRL', reference: 'sim:unavailable:2' });
    await platform.waitForPayout('mer_po_retry', created.body.id, ['paid']);
    expect(platform.rails.pulse.payments().filter((item) => item.idempotencyKey === created.body.id)).toHaveLength(1);
  });
});

describe('failed and returned', () => {
  it('restores the balance when a paid payout is returned (ACH R02 in a NACHA return file)', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_ret', 100_000, 'USD');
    const ben = await beneficiary('mer_po_ret', 'us');
    const created = await payout('mer_po_ret', { beneficiary_id: ben, amount: 40_000, currency: 'USD', reference: 'sim:return:account-closed' });
    const returned = await platform.waitForPayout('mer_po_ret', created.body.id, ['returned']);
    expect(returned).toMatchObject({ status: 'returned', failure_code: 'account_closed', paid_at: expect.any(String), returned_at: expect.any(String) });
    expect(await platform.balance('mer_po_ret', 'USD')).toEqual(expect.objectContaining({ available: funded.net, reserved: 0 }));
    expect((await lines('mer_po_ret')).filter((line) => line.source === created.body.id).map((line) => [line.type, line.amount])).toEqual([
      ['payout_return', 40_000],
      ['payout', -40_000],
    ]);
  });

  it("refuses a forged NACHA return file (signed with another key, or unsigned): quarantined with its reason, the payout stays paid, nothing credited", async () => {
    await fundMerchant(platform.ledger, 'mer_po_forged', 100_000, 'USD');
    const ben = await beneficiary('mer_po_forged', 'us');
    const created = await payout('mer_po_forged', { beneficiary_id: ben, amount: 30_000, currency: 'USD', reference: 'Invoice 2026-118' });
    expect(created).toMatchObject({ status: 201 });
    await platform.waitForPayout('mer_po_forged', created.body.id, ['paid']);
    const before = await platform.balance('mer_po_forged', 'USD');
    // What someone with write access to the drop, but not the bank's key, would put there to be credited back.
    const railReference = achReferenceOf(created.body.id);
    const forged = writeNachaFile({
      immediateDestination: '267000416', immediateOrigin: '1987654321', destinationName: 'XBORDER PAYMENTS', originName: 'MERIDIAN BANK', createdAt: new Date(),
      fileIdModifier: 'R', companyName: 'XBORDER PAYMENTS', companyId: '1987654321', secCode: 'CCD', entryDescription: 'RETURN', effectiveDate: '261207', originatingDfi: '02100002', batchNumber: 1,
      entries: [{ transactionCode: '21', receivingRouting: '267000416', accountNumber: '000123456789', amount: 30_000, individualId: railReference, individualName: 'LAKESIDE LUMBER LLC', traceNumber: '021000020000001', returned: { reasonCode: 'R02', originalTrace: '267000410000001', originalReceiving: '021000021', information: 'RETURNED BY RDFI' } }],
    });
    const inbox = platform.rails.meridian.inbox;
    writeFileSync(join(inbox, `RET_${railReference}.ach.sig`), sign(null, Buffer.from(forged), generateKeyPairSync('ed25519').privateKey).toString('base64'));
    writeFileSync(join(inbox, `RET_${railReference}.ach`), forged);
    writeFileSync(join(inbox, `RET_${railReference}_unsigned.ach`), forged);
    const reasons = [`RET_${railReference}.ach.reason.txt`, `RET_${railReference}_unsigned.ach.reason.txt`].map((name) => join(inbox, 'refused', name));
    // Written over SFTP (open, write, close): the file exists a moment before its text does.
    for (const deadline = Date.now() + 10_000; !reasons.every((reason) => existsSync(reason) && readFileSync(reason, 'utf8').endsWith('\n')); ) {
      if (Date.now() > deadline) throw new Error('the forged files were not refused in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(readFileSync(reasons[0] as string, 'utf8')).toMatch(/signature does not verify with Meridian's pinned key/);
    expect(readFileSync(reasons[1] as string, 'utf8')).toMatch(/unsigned/);
    expect(existsSync(join(inbox, 'refused', `RET_${railReference}.ach`))).toBe(true);
    expect((await platform.stored(created.body.id))?.status).toBe('paid');
    expect(await platform.balance('mer_po_forged', 'USD')).toEqual(before);
    expect((await lines('mer_po_forged')).filter((line) => line.source === created.body.id).map((line) => line.type)).toEqual(['payout']);
    // An operator sees the same with OpenSSH's own sftp client, on the bank's server as the platform's user.
    const listing = await opensshSftp(platform.rails.meridianSftp, ['ls -1 inbox/refused', `get inbox/refused/RET_${railReference}.ach.reason.txt ${reasons[0]}.fetched`]);
    expect(listing).toContain(`RET_${railReference}.ach.reason.txt`);
    expect(readFileSync(`${reasons[0]}.fetched`, 'utf8')).toBe(readFileSync(reasons[0] as string, 'utf8'));
    expect(listing).not.toContain('bank');
  });

  it('reverses the conversion too when a converted payout is returned (PIX devolução)', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_ret_fx', 1_000_000, 'USD');
    const ben = await beneficiary('mer_po_ret_fx', 'brazil');
    const created = await payout('mer_po_ret_fx', { beneficiary_id: ben, amount: 100_000, currency: 'BRL', source_currency: 'USD', reference: 'sim:return:refused-by-bank:100' });
    await platform.waitForPayout('mer_po_ret_fx', created.body.id, ['returned']);
    expect(await platform.balance('mer_po_ret_fx', 'USD')).toMatchObject({ available: funded.net, reserved: 0 });
    expect(await platform.balance('mer_po_ret_fx', 'BRL')).toMatchObject({ available: 0, reserved: 0 });
  });

  it.each([
    ['a rejection after acceptance (SEPA pain.002 RJCT AC04)', 'germany', 'EUR', 'sim:fail:account-closed', 'account_closed'],
    ['a rejection at submission (Keystone SOAP Client fault)', 'canada', 'CAD', 'sim:reject:invalid-account', 'invalid_account'],
    ['a rejection by the instant rail (PIX webhook payment.rejected AC03)', 'brazil', 'BRL', 'sim:fail:no-account', 'no_account'],
  ] as const)('fails on %s and releases the funds', async (_case, kind, currency, reference, code) => {
    const merchantId = `mer_po_fail_${code}`;
    const funded = await fundMerchant(platform.ledger, merchantId, 100_000, currency);
    const ben = await beneficiary(merchantId, kind);
    const created = await payout(merchantId, { beneficiary_id: ben, amount: 30_000, currency, reference });
    const failed = await platform.waitForPayout(merchantId, created.body.id, ['failed']);
    expect(failed).toMatchObject({ status: 'failed', failure_code: code, paid_at: null });
    expect(await platform.balance(merchantId, currency)).toMatchObject({ available: funded.net, reserved: 0 });
    expect((await lines(merchantId)).filter((line) => line.source === created.body.id).map((line) => line.type)).toEqual(['payout_failure', 'payout']);
  });

  it('refuses at creation a payout larger than the available balance (422 insufficient_funds)', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_poor', 10_000, 'CAD');
    const ben = await beneficiary('mer_po_poor', 'canada');
    const response = await payout('mer_po_poor', { beneficiary_id: ben, amount: funded.net + 1, currency: 'CAD', reference: 'too much' });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'insufficient_funds', detail: `The available CAD balance (${(funded.net / 100).toFixed(2)} CAD) does not cover this payout (${((funded.net + 1) / 100).toFixed(2)} CAD).` });
    expect((await platform.call('listPayouts', { method: 'GET', resource: '/v1/payouts', merchantId: 'mer_po_poor' })).body.data).toEqual([]);
  });

  it('fails a payout whose reservation loses the funds to another payout (the saga is the authority)', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_race', 10_000, 'CAD');
    const ben = await beneficiary('mer_po_race', 'canada');
    const amount = Math.floor(funded.net * 0.6);
    const [a, b] = await Promise.all([
      payout('mer_po_race', { beneficiary_id: ben, amount, currency: 'CAD', reference: 'race a' }),
      payout('mer_po_race', { beneficiary_id: ben, amount, currency: 'CAD', reference: 'race b' }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const outcomes = await Promise.all([a, b].map((created) => platform.waitForPayout('mer_po_race', created.body.id, ['paid', 'failed'])));
    expect(outcomes.map((item) => item.status).sort()).toEqual(['failed', 'paid']);
    expect(outcomes.find((item) => item.status === 'failed')).toMatchObject({ failure_code: 'insufficient_funds' });
    expect(await platform.balance('mer_po_race', 'CAD')).toMatchObject({ available: funded.net - amount, reserved: 0 });
  });
});

describe('review', () => {
  it('holds a sanctions hit in review until an operator approves it, then pays it', async () => {
    await fundMerchant(platform.ledger, 'mer_po_rev', 100_000, 'USD');
    const ben = await beneficiary('mer_po_rev', 'sanctioned');
    const created = await payout('mer_po_rev', { beneficiary_id: ben, amount: 5_000, currency: 'USD', reference: 'Consulting' });
    expect(created.body.status).toBe('in_review');
    const held = await platform.waitForPayout('mer_po_rev', created.body.id, ['in_review']);
    expect(held).not.toHaveProperty('review');
    expect(JSON.stringify(held)).not.toContain('XSL-0002');
    expect(await platform.balance('mer_po_rev', 'USD')).toMatchObject({ reserved: 5_000 });
    // Still held a while later: the review wait (Standard) holds its task token.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await platform.waitForPayout('mer_po_rev', created.body.id, ['in_review'])).status).toBe('in_review');
    expect(await waits('review', created.body.id)).toEqual([expect.objectContaining({ status: 'RUNNING' })]);

    const { after: decided } = await decidePayoutReview(operatorDeps(), created.body.id, 'approve', 'ops.alice', 'Different person: date of birth differs');
    expect(decided.review).toMatchObject({ decision: 'approve', decidedBy: 'ops.alice', reasons: ['sanctions_match'], hits: [expect.objectContaining({ entryId: 'XSL-0002' })] });
    // The decision ran the workflow: the payout is with the bank when the operator gets the answer.
    expect(['processing', 'paid']).toContain(decided.status);
    await platform.waitForPayout('mer_po_rev', created.body.id, ['paid']);
    const [review] = await waits('review', created.body.id);
    expect(review?.executionArn && (await platform.engine.waitForExecution(review.executionArn)).status).toBe('SUCCEEDED');
  });

  it('holds a leaked key\'s cash-out: a fresh beneficiary paid above USD 10,000, then the day beyond USD 200,000', async () => {
    await fundMerchant(platform.ledger, 'mer_po_leak', 30_000_000, 'USD');
    const fresh = await beneficiary('mer_po_leak', 'us');
    // At the new beneficiary's limit: paid; one cent above: held.
    const atLimit = await payout('mer_po_leak', { beneficiary_id: fresh, amount: 1_000_000, currency: 'USD', reference: 'Invoice 1' });
    await platform.waitForPayout('mer_po_leak', atLimit.body.id, ['paid']);
    const above = await payout('mer_po_leak', { beneficiary_id: fresh, amount: 1_000_001, currency: 'USD', reference: 'Invoice 2' });
    expect(above.body.status).toBe('in_review');
    const held = (await operatorDeps().payouts.getPayout(above.body.id, { consistent: true }))!;
    expect(held.review).toMatchObject({ reasons: ['new_beneficiary'] });

    // The day's total: payouts just under the review limit (USD 50,000) to a beneficiary added days ago.
    const repository = operatorDeps().payouts;
    const old = await beneficiary('mer_po_leak', 'us');
    // Three days pass for this one (its stored creation time, as the table holds it).
    await platform.db.documentClient.send(
      new UpdateCommand({
        TableName: tableName('payouts'),
        Key: { pk: old, sk: 'beneficiary' },
        UpdateExpression: 'SET createdAt = :created',
        ExpressionAttributeValues: { ':created': new Date(Date.now() - 3 * 86_400_000).toISOString() },
      }),
    );
    const statuses: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const created = await payout('mer_po_leak', { beneficiary_id: old, amount: 4_999_999, currency: 'USD', reference: `Batch ${index}` });
      statuses.push((await platform.waitForPayout('mer_po_leak', created.body.id, ['paid', 'in_review'])).status as string);
    }
    // 1,000,000 + 1,000,001 + 3 × 4,999,999 = 16,999,998 ≤ 20,000,000; the fourth makes 21,999,997.
    expect(statuses).toEqual(['paid', 'paid', 'paid', 'in_review']);

    // A payout counts once, however often its step runs.
    const repeat = { merchantId: 'mer_po_leak', currency: 'USD', day: '2026-01-01', payoutId: 'po_repeat', amount: 5 };
    expect(await repository.countPayoutDay(repeat)).toBe(5);
    expect(await repository.countPayoutDay(repeat)).toBe(5);
    expect(await repository.countPayoutDay({ ...repeat, payoutId: 'po_other' })).toBe(10);
  });

  it('fails and releases a payout the operator rejects', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_rej', 100_000, 'USD');
    const ben = await beneficiary('mer_po_rej', 'sanctioned');
    const created = await payout('mer_po_rej', { beneficiary_id: ben, amount: 5_000, currency: 'USD', reference: 'Consulting' });
    await platform.waitForPayout('mer_po_rej', created.body.id, ['in_review']);
    const { after } = await decidePayoutReview(operatorDeps(), created.body.id, 'reject', 'ops.bob');
    expect(after).toMatchObject({ status: 'failed', failure: { code: 'rejected_in_review' } });
    const failed = await platform.waitForPayout('mer_po_rej', created.body.id, ['failed']);
    expect(failed).toMatchObject({ failure_code: 'rejected_in_review' });
    expect(await platform.balance('mer_po_rej', 'USD')).toMatchObject({ available: funded.net, reserved: 0 });
    await expect(decidePayoutReview(operatorDeps(), created.body.id, 'approve', 'ops.bob')).rejects.toMatchObject({ name: 'PayoutTransitionError' });
  });

  it('fails a converting payout whose quote expired while it waited for review, reversing nothing it did not do', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_exp', 1_000_000, 'EUR');
    const ben = await beneficiary('mer_po_exp', 'sanctioned');
    // A one-minute quote taken 55 s ago: it expires while the payout waits for review.
    const { quote } = await createFxQuote(
      { quotes: new DynamoDbFxRepository(platform.db.documentClient, tableName('fx')), rates: new SimulatedRateProvider(), spreads: DEFAULT_SPREAD_SCHEDULE, now: () => new Date(Date.now() - 55_000) },
      { merchantId: 'mer_po_exp', idempotencyKey: 'old-quote', requestFingerprint: 'f', sellCurrency: 'EUR', buyCurrency: 'USD', amount: { buyAmount: 5_000 }, validity: 'MIN_1' },
    );
    const created = await payout('mer_po_exp', { beneficiary_id: ben, amount: 5_000, currency: 'USD', quote_id: quote.id, reference: 'Consulting' });
    expect(created.status).toBe(201);
    await platform.waitForPayout('mer_po_exp', created.body.id, ['in_review']);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(quote.expiresAt) - Date.now() + 50)));
    await decidePayoutReview(operatorDeps(), created.body.id, 'approve', 'ops.carol');
    const failed = await platform.waitForPayout('mer_po_exp', created.body.id, ['failed']);
    expect(failed).toMatchObject({ failure_code: 'quote_expired' });
    expect(await platform.balance('mer_po_exp', 'EUR')).toMatchObject({ available: funded.net, reserved: 0 });
  });
});

describe('the waits ending', () => {
  /** A wait like the payout's own, but lasting `seconds` (the real ones last days): the same machine, another name. */
  const shortWait = async (payoutId: string, wait: 'review' | 'confirmation', seconds: number) => {
    const started = await platform.engine.startExecution({
      stateMachineArn: platform.engine.stateMachineArn('payoutWait'),
      name: `${payoutId}-${wait}-short`,
      input: JSON.stringify({ payoutId, wait, waitSeconds: seconds }),
    });
    return platform.engine.waitForExecution(started.executionArn as string);
  };

  it('fails a payout whose review expired with no decision (review_timeout) and releases its funds; a decision then comes too late', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_review_timeout', 100_000, 'USD');
    const ben = await beneficiary('mer_po_review_timeout', 'sanctioned');
    const created = await payout('mer_po_review_timeout', { beneficiary_id: ben, amount: 4_000, currency: 'USD', reference: 'Consulting' });
    expect(created.body.status).toBe('in_review');
    const ended = await shortWait(created.body.id, 'review', 1);
    expect(ended.status).toBe('SUCCEEDED');
    expect(await platform.waitForPayout('mer_po_review_timeout', created.body.id, ['failed'])).toMatchObject({ failure_code: 'review_timeout' });
    expect(await platform.balance('mer_po_review_timeout', 'USD')).toMatchObject({ available: funded.net, reserved: 0 });
    await expect(decidePayoutReview(operatorDeps(), created.body.id, 'approve', 'ops.late')).rejects.toMatchObject({ name: 'PayoutTransitionError' });
  });

  it('flags a payout whose rail says nothing for days (confirmation overdue): the alarm path, its funds still reserved, nothing released', async () => {
    await fundMerchant(platform.ledger, 'mer_po_overdue', 100_000, 'CAD');
    const ben = await beneficiary('mer_po_overdue', 'canada');
    const created = await payout('mer_po_overdue', { beneficiary_id: ben, amount: 6_000, currency: 'CAD', reference: 'sim:silent' });
    expect(created.body.status).toBe('processing');
    const ended = await shortWait(created.body.id, 'confirmation', 1);
    expect(ended).toMatchObject({ status: 'FAILED', error: 'PayoutConfirmationOverdue' });
    expect(await platform.stored(created.body.id)).toMatchObject({ status: 'processing', funds: 'reserved', railStatus: 'received', attention: { step: 'AwaitConfirmation', reason: 'PayoutConfirmationOverdue' } });
    expect(await platform.balance('mer_po_overdue', 'CAD')).toMatchObject({ reserved: 6_000 });
  });
});

describe('cancel', () => {
  it('cancels a payout held in review: the wait ends at once and the funds are released', async () => {
    const funded = await fundMerchant(platform.ledger, 'mer_po_cancel', 100_000, 'USD');
    const ben = await beneficiary('mer_po_cancel', 'sanctioned');
    const created = await payout('mer_po_cancel', { beneficiary_id: ben, amount: 7_000, currency: 'USD', reference: 'Consulting' });
    await platform.waitForPayout('mer_po_cancel', created.body.id, ['in_review']);
    const canceled = await platform.call('cancelPayout', { method: 'POST', resource: '/v1/payouts/{id}/cancel', id: created.body.id, merchantId: 'mer_po_cancel', body: {} });
    expect(canceled).toMatchObject({ status: 200, body: { status: 'canceled', canceled_at: expect.any(String) } });
    // The cancel ran the workflow: the funds are back when the merchant gets the answer, and the review wait ended.
    expect(await platform.balance('mer_po_cancel', 'USD')).toMatchObject({ available: funded.net, reserved: 0 });
    const [review] = await waits('review', created.body.id);
    expect(review?.executionArn && (await platform.engine.waitForExecution(review.executionArn)).status).toBe('SUCCEEDED');
    expect((await lines('mer_po_cancel')).filter((line) => line.source === created.body.id).map((line) => line.type)).toEqual(['payout_cancel', 'payout']);
    const again = await platform.call('cancelPayout', { method: 'POST', resource: '/v1/payouts/{id}/cancel', id: created.body.id, merchantId: 'mer_po_cancel', body: {} });
    expect(again).toMatchObject({ status: 200, body: { status: 'canceled' } });
  });

  it('refuses to cancel a payout already submitted (409 payout_not_cancelable)', async () => {
    await fundMerchant(platform.ledger, 'mer_po_late', 100_000, 'CAD');
    const ben = await beneficiary('mer_po_late', 'canada');
    const created = await payout('mer_po_late', { beneficiary_id: ben, amount: 1_000, currency: 'CAD', reference: 'late cancel' });
    await platform.waitForPayout('mer_po_late', created.body.id, ['paid']);
    const response = await platform.call('cancelPayout', { method: 'POST', resource: '/v1/payouts/{id}/cancel', id: created.body.id, merchantId: 'mer_po_late', body: {} });
    expect(response).toMatchObject({ status: 409, body: { code: 'payout_not_cancelable' } });
    expect((await platform.call('cancelPayout', { method: 'POST', resource: '/v1/payouts/{id}/cancel', id: created.body.id, merchantId: 'mer_other', body: {} })).status).toBe(404);
  });
});

describe('the merchant API', () => {
  it('replays a create under the same key and refuses mismatches by name', async () => {
    await fundMerchant(platform.ledger, 'mer_po_api', 100_000, 'CAD');
    const ben = await beneficiary('mer_po_api', 'canada');
    const body = { beneficiary_id: ben, amount: 2_000, currency: 'CAD', reference: 'replay' };
    const first = await payout('mer_po_api', body, 'po-replay');
    const replay = await payout('mer_po_api', body, 'po-replay');
    expect(replay.body).toEqual(first.body);
    expect((await payout('mer_po_api', { ...body, currency: 'USD' })).body).toMatchObject({ status: 422, code: 'beneficiary_mismatch' });
    expect((await payout('mer_po_api', { ...body, beneficiary_id: 'ben_aaaaaaaaaaaaaaaaaaaaaaaaaa' })).status).toBe(404);
    expect((await payout('mer_po_api', { ...body, reference: 'not\nallowed' })).body).toMatchObject({ code: 'validation_error', errors: [expect.objectContaining({ field: 'reference' })] });
    const listed = await platform.call('listPayouts', { method: 'GET', resource: '/v1/payouts', merchantId: 'mer_po_api' });
    expect(listed.body.data.map((item: { id: string }) => item.id)).toEqual([first.body.id]);
    await platform.waitForPayout('mer_po_api', first.body.id, ['paid']);
  });

  it('never runs or sends anything again for a final payout: a late retry of the create, and a new run of its workflow', async () => {
    // Prepare: a payout paid under a key
    await fundMerchant(platform.ledger, 'mer_po_late_retry', 100_000, 'CAD');
    const ben = await beneficiary('mer_po_late_retry', 'canada');
    const body = { beneficiary_id: ben, amount: 3_000, currency: 'CAD', reference: 'late retry' };
    const first = await payout('mer_po_late_retry', body, 'po-late-retry');
    const id = first.body.id as string;
    const paid = await platform.waitForPayout('mer_po_late_retry', id, ['paid']);
    const submissions = () => platform.rails.keystone.payments().filter((item) => item.messageId === id).length;
    const runs = async () =>
      ((await platform.engine.listExecutions({ stateMachineArn: platform.engine.stateMachineArn('payout'), maxResults: 1000 })).executions ?? []).filter((execution) => execution.name?.startsWith(id)).length;
    const runsBefore = await runs();
    expect(submissions()).toBe(1);

    // Act: a day later the idempotency record is gone; the merchant retries with the old key
    const records = await platform.db.documentClient.send(new ScanCommand({ TableName: tableName('idempotency') }));
    for (const item of records.Items ?? []) await platform.db.documentClient.send(new DeleteCommand({ TableName: tableName('idempotency'), Key: { id: item.id } }));
    const late = await payout('mer_po_late_retry', body, 'po-late-retry');
    // ...and 90 days later Step Functions would allow the first run's name again: the workflow itself runs
    const rerun = await workflows().runPayout({ payoutId: id, action: 'create' });

    // Assess: the stored payout answered, no run started by the retry, nothing sent again, nothing moved
    expect(late).toMatchObject({ status: 201, body: { id, status: 'paid' } });
    expect(rerun).toMatchObject({ outcome: 'finished', output: { next: 'done', payout: { status: 'paid' } } });
    expect(await runs()).toBe(runsBefore + 1);
    expect(submissions()).toBe(1);
    expect(await platform.call('getPayout', { method: 'GET', resource: '/v1/payouts/{id}', id, merchantId: 'mer_po_late_retry' })).toMatchObject({ body: paid });
  });
});
