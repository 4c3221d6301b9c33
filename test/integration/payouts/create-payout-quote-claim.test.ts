import { DynamoDbFxRepository } from '../../../lambdas/adapters/dynamodb/fx-repository';
import { DynamoDbPayoutRepository } from '../../../lambdas/adapters/dynamodb/payout-repository';
import { SimulatedRateProvider } from '../../../lambdas/adapters/fx/simulated-rate-provider';
import { IdempotencyKeyReusedError } from '../../../lambdas/domain/errors';
import { QuoteAlreadyUsedError } from '../../../lambdas/domain/fx/errors';
import type { FxQuote } from '../../../lambdas/domain/fx/objects';
import { DEFAULT_SPREAD_SCHEDULE } from '../../../lambdas/domain/fx/quote';
import { deriveId } from '../../../lambdas/domain/ids';
import type { Beneficiary } from '../../../lambdas/domain/payouts/beneficiary';
import type { PayoutRepository } from '../../../lambdas/ports/payout-repository';
import type { Workflows } from '../../../lambdas/ports/workflows';
import { createFxQuote } from '../../../lambdas/use-cases/fx/create-fx-quote';
import { type CreatePayoutCommand, type CreatePayoutDeps, createPayout } from '../../../lambdas/use-cases/payouts/create-payout';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';

/**
 * A quoted payout's create (decision record 0057): the quote claimed for the payout's id by one conditional
 * UpdateItem, then the payout by one conditional PutItem, no transaction; a create that died between the two
 * is finished by its retry; a quote claimed by a request that finds another payout stored under its key is freed.
 * Real payouts and fx tables (DynamoDB Local); the balance and the workflow are small fakes (the run is not what
 * is tested: it answers "unknown", so the create answers the payout as stored).
 */
describe('createPayout with a quote (DynamoDB Local)', () => {
  let db: IsolatedDynamoDb;
  let payouts: DynamoDbPayoutRepository;
  let quotes: DynamoDbFxRepository;
  const requests: string[] = [];
  const merchantId = 'mer_01JF3Q8ZK4N7P2W5X9C6V1B3QC';
  const beneficiary: Beneficiary = {
    id: 'ben_7HQ2K9X4M1P8W3N6C5V2B7D4QC',
    merchantId,
    name: 'Northern Pixel Works Ltd',
    entityType: 'company',
    country: 'CA',
    currency: 'CAD',
    bankAccount: { rail: 'eft_ca', token: 'tok_quoteclaim', bankCountry: 'CA', last4: '4321', institutionNumber: '001', transitNumber: '00011' },
    accountFingerprint: 'f'.repeat(64),
    metadata: {},
    createdAt: '2026-12-01T00:00:00.000Z',
    requestFingerprint: 'b'.repeat(64),
  };
  const runs: { readonly payoutId: string }[] = [];
  const workflows = {
    runPayout: async (input: { payoutId: string }) => {
      runs.push(input);
      return { outcome: 'unknown', reason: 'not run in this test' };
    },
  } as unknown as Workflows;
  const deps = (overrides: Partial<CreatePayoutDeps> = {}): CreatePayoutDeps => ({
    payouts,
    quotes,
    quoting: { rates: new SimulatedRateProvider(), spreads: DEFAULT_SPREAD_SCHEDULE },
    ledger: { merchantShards: async () => [{ merchantId, currency: 'USD', shard: 0, pending: 0, available: 10_000_000, reserved: 0 }] },
    workflows,
    now: () => new Date(),
    ...overrides,
  });
  const quote = async (key: string): Promise<FxQuote> =>
    (
      await createFxQuote(
        { quotes, rates: new SimulatedRateProvider(), spreads: DEFAULT_SPREAD_SCHEDULE, now: () => new Date() },
        { merchantId, idempotencyKey: key, requestFingerprint: key, sellCurrency: 'USD', buyCurrency: 'CAD', amount: { buyAmount: 5_000 }, validity: 'MIN_15' },
      )
    ).quote;
  const command = (key: string, quoteId: string, fingerprint = `fp-${key}`): CreatePayoutCommand => ({
    merchantId,
    idempotencyKey: key,
    requestFingerprint: fingerprint,
    beneficiaryId: beneficiary.id,
    amount: 5_000,
    currency: 'CAD',
    quoteId,
    reference: 'Art contract 12',
    description: null,
    metadata: {},
  });

  beforeAll(async () => {
    db = await useIsolatedDynamoDb();
    db.documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        requests.push(`${(context.commandName ?? "").replace(/Command$/, '')} ${String((args.input as { TableName?: string }).TableName ?? '')}`);
        return next(args);
      },
      { step: 'initialize', name: 'recordRequests' },
    );
    payouts = new DynamoDbPayoutRepository(db.documentClient, tableName('payouts'), 'us-east-1');
    quotes = new DynamoDbFxRepository(db.documentClient, tableName('fx'));
    await payouts.insertBeneficiary(beneficiary);
  });

  beforeEach(() => {
    requests.length = 0;
    runs.length = 0;
  });

  it('claims the quote with one UpdateItem and stores the payout with one PutItem, no transaction', async () => {
    // Prepare
    const q = await quote('claim-once-quote');
    requests.length = 0;

    // Act
    const payout = await createPayout(deps(), command('claim-once', q.id));

    // Assess
    expect(payout).toMatchObject({ status: 'pending', quoteId: q.id, sourceAmount: q.sellAmount, sourceCurrency: 'USD' });
    const writes = requests.filter((request) => /^(PutItem|UpdateItem|TransactWriteItems) /.test(request));
    expect(writes).toEqual([`UpdateItem ${tableName('fx')}`, `PutItem ${tableName('payouts')}`]);
    expect((await quotes.getQuote(q.id, { consistent: true }))?.usedBy).toBe(payout.id);
    expect(runs).toEqual([expect.objectContaining({ payoutId: payout.id })]);
  });

  it('finishes a create that died after claiming the quote: the retry claims it again and stores the payout', async () => {
    // Prepare: the first attempt claimed the quote for the payout's id and died before its Put.
    const q = await quote('died-after-claim-quote');
    const id = deriveId('po', merchantId, 'died-after-claim');
    expect(await quotes.claimQuote({ quoteId: q.id, merchantId, user: id, now: new Date() })).toBe('claimed');

    // Act
    const payout = await createPayout(deps(), command('died-after-claim', q.id));

    // Assess
    expect(payout).toMatchObject({ id, status: 'pending', quoteId: q.id });
    expect(await payouts.getPayout(id, { consistent: true })).toMatchObject({ id, quoteId: q.id });
  });

  it('refuses a quote another payout claimed (409 quote_already_used), storing nothing', async () => {
    // Prepare
    const q = await quote('used-elsewhere-quote');
    const first = await createPayout(deps(), command('used-elsewhere-1', q.id));

    // Act
    const second = createPayout(deps(), command('used-elsewhere-2', q.id));

    // Assess
    await expect(second).rejects.toBeInstanceOf(QuoteAlreadyUsedError);
    expect(await payouts.getPayout(deriveId('po', merchantId, 'used-elsewhere-2'), { consistent: true })).toBeUndefined();
    expect((await quotes.getQuote(q.id, { consistent: true }))?.usedBy).toBe(first.id);
  });

  it('frees the quote it claimed when another request stored the payout under its key meanwhile, with another quote', async () => {
    // Prepare: another request under the same key stored its payout (quote A) between this request's first read
    // (nothing there yet) and its Put; this request carries quote B.
    const a = await quote('race-quote-a');
    const b = await quote('race-quote-b');
    const other = await createPayout(deps(), command('race', a.id, 'fp-other-body'));
    let reads = 0;
    const racing: PayoutRepository = Object.assign(Object.create(payouts) as PayoutRepository, {
      getPayout: async (id: string, options?: { consistent?: boolean }) => (reads++ === 0 ? undefined : payouts.getPayout(id, options)),
    });

    // Act
    const late = createPayout(deps({ payouts: racing }), command('race', b.id, 'fp-this-body'));

    // Assess: the key's payout is the other request's; quote B is free again, quote A still the payout's.
    await expect(late).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect((await quotes.getQuote(b.id, { consistent: true }))?.usedBy).toBeNull();
    expect((await quotes.getQuote(a.id, { consistent: true }))?.usedBy).toBe(other.id);
  });

  it('refuses a request that reuses the key of a self-quoted create that died after taking its quote, with another amount', async () => {
    // Prepare: the first request (pay 5,000 CAD from USD, the platform quoting it) stored its own quote (derived from
    // the payout's id) and died in the balance pre-check (a 5xx: the Idempotency-Key's record is deleted, so nothing
    // refuses the next request under the key before this use case). The next request under the key asks 7,000 CAD.
    const key = 'self-quote-reused';
    const selfQuoted = (amount: number, fingerprint: string): CreatePayoutCommand => ({
      ...command(key, '', fingerprint),
      quoteId: undefined,
      sourceCurrency: 'USD',
      amount,
    });
    const died = createPayout(
      deps({ ledger: { merchantShards: async () => { throw new Error('ProvisionedThroughputExceededException'); } } }),
      selfQuoted(5_000, 'fp-first-body'),
    );
    await expect(died).rejects.toThrow('ProvisionedThroughputExceededException');
    const firstQuote = await quotes.getQuote(deriveId('qt', merchantId, `payout:${deriveId('po', merchantId, key)}`), { consistent: true });
    expect(firstQuote).toMatchObject({ buyAmount: 5_000, buyCurrency: 'CAD', usedBy: null });

    // Act
    const reused = createPayout(deps(), selfQuoted(7_000, 'fp-second-body'));

    // Assess: refused (the key's quote prices another payout), nothing stored, the quote not claimed. Otherwise the
    // payout would send 7,000 CAD while reserving and converting only the 5,000 CAD the quote sells USD for.
    await expect(reused).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await payouts.getPayout(deriveId('po', merchantId, key), { consistent: true })).toBeUndefined();
    expect((await quotes.getQuote(firstQuote?.id ?? '', { consistent: true }))?.usedBy).toBeNull();
  });
});
