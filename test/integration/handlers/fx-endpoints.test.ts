import type { APIGatewayProxyResult } from 'aws-lambda';
import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { deriveId } from '../../../lambdas/domain/ids';
import { type ConversionEvent, conversion as conversionTemplate } from '../../../lambdas/domain/ledger/postings';
import { createConversion as createConversionUseCase } from '../../../lambdas/use-cases/fx/create-conversion';
import { DynamoDbFxRepository } from '../../../lambdas/adapters/dynamodb/fx-repository';
import { DynamoDbLedgerStore } from '../../../lambdas/adapters/dynamodb/ledger-store';
import { verifyLedger } from '../../../lambdas/adapters/dynamodb/ledger-verifier';
import { DynamoDbPricingRepository } from '../../../lambdas/adapters/dynamodb/pricing-repository';
import { SimulatedRateProvider } from '../../../lambdas/adapters/fx/simulated-rate-provider';
import { DEFAULT_SPREAD_SCHEDULE } from '../../../lambdas/domain/fx/quote';
import { getBalance } from '../../../lambdas/use-cases/ledger/get-balance';
import { createFxQuote } from '../../../lambdas/use-cases/fx/create-fx-quote';
import { type CapturePostingDeps, postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { fundMerchant } from '../../support/funds';

/**
 * POST /v1/fx/quotes, GET /v1/fx/quotes/{id}, POST /v1/conversions, GET /v1/conversions(/{id}) against
 * DynamoDB Local with real proxy events: locked rates, exactly-once use, expiry, insufficient funds, and a
 * ledger that stays balanced (both legs, the FX position and the spread revenue).
 */
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

let db: IsolatedDynamoDb;
let deps: CapturePostingDeps;
let createQuote: Handler;
let getQuote: Handler;
let createConversion: Handler;
let getConversion: Handler;
let listConversions: Handler;
let keyCounter = 0;

const post = (handler: Handler, resource: string, merchantId: string, body: unknown, key = `fx-key-${++keyCounter}`) =>
  handler(apiGatewayEvent({ method: 'POST', resource, merchantId, headers: { 'Idempotency-Key': key }, body }), lambdaContext('xborder-fx'));
const get = (handler: Handler, resource: string, id: string, merchantId: string) =>
  handler(apiGatewayEvent({ method: 'GET', resource, path: resource.replace('{id}', id), pathParameters: { id }, merchantId }), lambdaContext('xborder-fx'));
const json = (response: APIGatewayProxyResult) => JSON.parse(response.body);
const quote = async (merchantId: string, body: Record<string, unknown>) => json(await post(createQuote, '/v1/fx/quotes', merchantId, body));
const balanceOf = async (merchantId: string, currency: string) =>
  (await getBalance({ ledger: deps.ledger }, { merchantId })).find((balance) => balance.currency === currency) ?? { currency, available: 0, pending: 0, reserved: 0 };

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  deps = {
    ledger: new DynamoDbLedgerStore(db.documentClient, tableName('ledger')),
    pricing: new DynamoDbPricingRepository(db.documentClient, tableName('merchants')),
    region: deployment.primaryRegion,
    primaryRegion: deployment.primaryRegion,
    now: () => new Date(),
  };
  ({ handler: createQuote } = (await import('../../../lambdas/handlers/api/create-fx-quote')) as { handler: Handler });
  ({ handler: getQuote } = (await import('../../../lambdas/handlers/api/get-fx-quote')) as { handler: Handler });
  ({ handler: createConversion } = (await import('../../../lambdas/handlers/api/create-conversion')) as { handler: Handler });
  ({ handler: getConversion } = (await import('../../../lambdas/handlers/api/get-conversion')) as { handler: Handler });
  ({ handler: listConversions } = (await import('../../../lambdas/handlers/api/list-conversions')) as { handler: Handler });
});

describe('POST /v1/fx/quotes', () => {
  it('locks a client rate below mid and both amounts until expires_at', async () => {
    const before = Date.now();
    const response = await post(createQuote, '/v1/fx/quotes', 'mer_fx_a', { sell_currency: 'BRL', buy_currency: 'CAD', sell_amount: 100_000, validity: 'MIN_15' });
    expect(response.statusCode).toBe(201);
    const body = json(response);
    expect(body).toEqual({
      id: expect.stringMatching(/^qt_[a-z2-7]{26}$/),
      object: 'fx_quote',
      sell_currency: 'BRL',
      buy_currency: 'CAD',
      sell_amount: 100_000,
      buy_amount: expect.any(Number),
      fixed_side: 'sell',
      rate: expect.stringMatching(/^0\.\d{1,10}$/),
      mid_rate: expect.stringMatching(/^0\.\d{1,10}$/),
      validity: 'MIN_15',
      status: 'active',
      used_by: null,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      livemode: false,
    });
    // 65 bps below mid, buy amount rounded down at the client rate
    expect(Number(body.rate)).toBeLessThan(Number(body.mid_rate));
    expect(Number(body.rate) / Number(body.mid_rate)).toBeCloseTo(0.9935, 6);
    expect(body.buy_amount).toBe(Math.floor(Number(body.rate) * 100_000 + 1e-9));
    expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).toBe(15 * 60 * 1000);
    expect(Date.parse(body.created_at)).toBeGreaterThanOrEqual(before - 1);

    const fetched = await get(getQuote, '/v1/fx/quotes/{id}', body.id, 'mer_fx_a');
    expect(json(fetched)).toEqual(body);
    expect((await get(getQuote, '/v1/fx/quotes/{id}', body.id, 'mer_fx_b')).statusCode).toBe(404);
  });

  it('quotes a fixed buy amount, rounding the sell amount up', async () => {
    const body = await quote('mer_fx_a', { sell_currency: 'JPY', buy_currency: 'KWD', buy_amount: 2_020, validity: 'HR_1' });
    expect(body).toMatchObject({ fixed_side: 'buy', buy_amount: 2_020, sell_currency: 'JPY' });
    expect(body.sell_amount * Number(body.rate) * 1_000).toBeGreaterThanOrEqual(2_020 - 1e-6);
    expect((body.sell_amount - 1) * Number(body.rate) * 1_000).toBeLessThan(2_020);
  });

  it.each([
    [{ sell_currency: 'BRL', buy_currency: 'CAD', validity: 'MIN_1' }, 'sell_amount', 'give exactly one of sell_amount and buy_amount'],
    [{ sell_currency: 'BRL', buy_currency: 'CAD', sell_amount: 1, buy_amount: 1, validity: 'MIN_1' }, 'sell_amount', 'give exactly one of sell_amount and buy_amount'],
    [{ sell_currency: 'CAD', buy_currency: 'CAD', sell_amount: 100, validity: 'MIN_1' }, 'buy_currency', 'must differ from sell_currency'],
    [{ sell_currency: 'BRL', buy_currency: 'CAD', sell_amount: 100, validity: 'MIN_2' }, 'validity', 'must be one of MIN_1, MIN_15, MIN_30, HR_1, HR_4, HR_8, HR_24'],
    [{ sell_currency: 'BRL', buy_currency: 'CAD', sell_amount: 1.5, validity: 'MIN_1' }, 'sell_amount', expect.stringContaining('positive integer')],
  ])('refuses %j (422, %s)', async (request, field, message) => {
    const response = await post(createQuote, '/v1/fx/quotes', 'mer_fx_a', request);
    expect(response.statusCode).toBe(422);
    expect(json(response).errors).toEqual(expect.arrayContaining([{ field, message }]));
  });

  it('refuses an amount too small to convert, and a currency without a rate', async () => {
    const tiny = await post(createQuote, '/v1/fx/quotes', 'mer_fx_a', { sell_currency: 'KWD', buy_currency: 'JPY', sell_amount: 1, validity: 'MIN_1' });
    expect(json(tiny)).toMatchObject({ status: 422, code: 'amount_too_small' });
    const unquoted = await post(createQuote, '/v1/fx/quotes', 'mer_fx_a', { sell_currency: 'BRL', buy_currency: 'ISK', sell_amount: 100, validity: 'MIN_1' });
    expect(json(unquoted)).toMatchObject({ status: 422, code: 'currency_not_supported', errors: [{ field: 'buy_currency', message: expect.any(String) }] });
  });
});

describe('POST /v1/conversions', () => {
  it('converts at the locked rate between balances and records both legs, the FX position and the spread', async () => {
    const funded = await fundMerchant(deps, 'mer_fx_c', 200_000, 'BRL');
    const q = await quote('mer_fx_c', { sell_currency: 'BRL', buy_currency: 'CAD', sell_amount: 100_000, validity: 'MIN_30' });
    const response = await post(createConversion, '/v1/conversions', 'mer_fx_c', { quote_id: q.id });
    expect(response.statusCode).toBe(201);
    const conversion = json(response);
    expect(conversion).toEqual({
      id: expect.stringMatching(/^cv_[a-z2-7]{26}$/),
      object: 'conversion',
      quote_id: q.id,
      sell_currency: 'BRL',
      sell_amount: 100_000,
      buy_currency: 'CAD',
      buy_amount: q.buy_amount,
      rate: q.rate,
      status: 'completed',
      created_at: expect.any(String),
      completed_at: expect.any(String),
      livemode: false,
    });
    expect(await balanceOf('mer_fx_c', 'BRL')).toMatchObject({ available: funded.net - 100_000 });
    expect(await balanceOf('mer_fx_c', 'CAD')).toMatchObject({ available: q.buy_amount });
    expect(json(await get(getQuote, '/v1/fx/quotes/{id}', q.id, 'mer_fx_c'))).toMatchObject({ status: 'used', used_by: conversion.id });
    expect(json(await get(getConversion, '/v1/conversions/{id}', conversion.id, 'mer_fx_c'))).toEqual(conversion);
    expect((await get(getConversion, '/v1/conversions/{id}', conversion.id, 'mer_fx_a')).statusCode).toBe(404);

    const stored = await new DynamoDbFxRepository(db.documentClient, tableName('fx')).getQuote(q.id);
    expect(stored?.spreadAmount).toBeGreaterThan(0);
    const accounts = ['fx_position:platform:BRL', 'fx_position:platform:CAD', 'platform_fx_revenue:platform:CAD'];
    // Platform accounts have no balance items: their balances are the journal's (docs/decisions/0013-ledger-lean-postings.md).
    const derived = (await verifyLedger(db.documentClient, tableName('ledger'))).derivedBalances;
    const total = (account: string) => derived.find((row) => row.account === account && row.region === 'all')?.balance ?? 0;
    // The platform is long the BRL it bought and short the CAD it delivered, spread included; the spread is revenue.
    expect(accounts.map(total)).toEqual([100_000, -(q.buy_amount + (stored?.spreadAmount ?? 0)), stored?.spreadAmount]);
    expect((await verifyLedger(db.documentClient, tableName('ledger'))).differences).toEqual([]);
  });

  it('refuses a reused quote with 409 quote_already_used, and replays the first conversion under its own key', async () => {
    await fundMerchant(deps, 'mer_fx_d', 100_000, 'USD');
    const q = await quote('mer_fx_d', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const first = await post(createConversion, '/v1/conversions', 'mer_fx_d', { quote_id: q.id }, 'convert-once');
    expect(first.statusCode).toBe(201);
    const replay = await post(createConversion, '/v1/conversions', 'mer_fx_d', { quote_id: q.id }, 'convert-once');
    expect(replay.body).toBe(first.body);
    const reused = await post(createConversion, '/v1/conversions', 'mer_fx_d', { quote_id: q.id });
    expect(reused.statusCode).toBe(409);
    expect(json(reused)).toMatchObject({ code: 'quote_already_used', detail: expect.stringContaining(json(first).id) });
    expect(await balanceOf('mer_fx_d', 'EUR')).toMatchObject({ available: q.buy_amount });
  });

  it('refuses an expired quote with 422 quote_expired and moves no money', async () => {
    await fundMerchant(deps, 'mer_fx_e', 100_000, 'USD');
    const { quote: expired } = await createFxQuote(
      { quotes: new DynamoDbFxRepository(db.documentClient, tableName('fx')), rates: new SimulatedRateProvider(), spreads: DEFAULT_SPREAD_SCHEDULE, now: () => new Date(Date.now() - 61_000) },
      { merchantId: 'mer_fx_e', idempotencyKey: 'old-quote', requestFingerprint: 'f', sellCurrency: 'USD', buyCurrency: 'JPY', amount: { sellAmount: 5_000 }, validity: 'MIN_1' },
    );
    expect(json(await get(getQuote, '/v1/fx/quotes/{id}', expired.id, 'mer_fx_e')).status).toBe('expired');
    const response = await post(createConversion, '/v1/conversions', 'mer_fx_e', { quote_id: expired.id });
    expect(response.statusCode).toBe(422);
    expect(json(response)).toMatchObject({ code: 'quote_expired', detail: expect.stringContaining(expired.expiresAt) });
    expect(await balanceOf('mer_fx_e', 'JPY')).toMatchObject({ available: 0 });
  });

  it('refuses a conversion larger than the available balance with 422 insufficient_funds, leaving the quote usable', async () => {
    const funded = await fundMerchant(deps, 'mer_fx_f', 10_000, 'USD');
    const q = await quote('mer_fx_f', { sell_currency: 'USD', buy_currency: 'MXN', sell_amount: 50_000, validity: 'MIN_15' });
    const response = await post(createConversion, '/v1/conversions', 'mer_fx_f', { quote_id: q.id });
    expect(response.statusCode).toBe(422);
    expect(json(response)).toMatchObject({ code: 'insufficient_funds', detail: `The available USD balance (${(funded.net / 100).toFixed(2)} USD) does not cover what this conversion sells (500.00 USD).` });
    expect(json(await get(getQuote, '/v1/fx/quotes/{id}', q.id, 'mer_fx_f'))).toMatchObject({ status: 'active', used_by: null });
    await fundMerchant(deps, 'mer_fx_f', 50_000, 'USD');
    expect((await post(createConversion, '/v1/conversions', 'mer_fx_f', { quote_id: q.id })).statusCode).toBe(201);
  });

  it('answers another merchant\'s quote as not found', async () => {
    const q = await quote('mer_fx_a', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 100, validity: 'MIN_1' });
    const response = await post(createConversion, '/v1/conversions', 'mer_fx_g', { quote_id: q.id });
    expect(response.statusCode).toBe(404);
  });
});

describe('a conversion written once (decision record 0052)', () => {
  const repository = () => new DynamoDbFxRepository(db.documentClient, tableName('fx'));
  const convert = async (merchantId: string, quoteId: string, key: string, fingerprint = `fp-${key}`, options: { quotes?: DynamoDbFxRepository; ledger?: CapturePostingDeps; now?: () => Date; inFlightMs?: number } = {}) =>
    (
      await createConversionUseCase(
        { quotes: options.quotes ?? repository(), ledger: options.ledger ?? deps, now: options.now ?? (() => new Date()), inFlightMs: options.inFlightMs ?? 30_000 },
        { merchantId, idempotencyKey: key, requestFingerprint: fingerprint, quoteId },
      )
    ).conversion;
  /** Ledger deps whose posting waits, once it is reached (after the claim), until `open()` is called. */
  const gatedLedger = () => {
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    let reach: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      reach = resolve;
    });
    const ledger = Object.assign(Object.create(deps.ledger) as typeof deps.ledger, {
      loadContext: async (...args: Parameters<typeof deps.ledger.loadContext>) => {
        reach();
        await opened;
        return deps.ledger.loadContext(...args);
      },
    });
    return { ledger: { ...deps, ledger } as CapturePostingDeps, reached, open };
  };
  const fxWrites: { command: string; key: string }[] = [];
  /** Every request the handlers send to the idempotency table, by operation. */
  const idempotencyRequests: string[] = [];
  beforeAll(async () => {
    const { dynamoDbClient } = await import('../../../lambdas/shared/clients');
    dynamoDbClient().middlewareStack.add(
      (next, context) => async (args) => {
        if ((args.input as { TableName?: string }).TableName === tableName('idempotency')) idempotencyRequests.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countIdempotencyRequests' },
    );
    db.documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        type Write = { TableName?: string; Item?: { pk?: string }; Key?: { pk?: string } };
        const input = args.input as Write & { TransactItems?: { Put?: Write; Update?: Write }[] };
        const command = context.commandName ?? '';
        if (input.TableName === tableName('fx') && /Put|Update|Transact/.test(command)) fxWrites.push({ command, key: String(input.Item?.pk ?? input.Key?.pk) });
        // An fx item written in another table's transaction (a conversion with its posting, decision record 0062).
        for (const item of input.TransactItems ?? []) {
          const write = item.Put ?? item.Update;
          if (write?.TableName === tableName('fx')) fxWrites.push({ command, key: String(write.Item?.pk ?? write.Key?.pk) });
        }
        return next(args);
      },
      { step: 'initialize', name: 'countFxWrites' },
    );
  });
  /** The conversion's ledger transactions (its position's journal). */
  const postings = async (merchantId: string, conversionId: string) =>
    (await deps.ledger.getPositionHistory(conversionTemplate.positionId({ merchantId, conversionId } as ConversionEvent)))?.transactions ?? [];

  // Amended by 0062: the conversion's Put is in its posting's transaction (both or neither), not after it.
  it('claims the quote with one update and stores the conversion once, completed, with its one posting', async () => {
    await fundMerchant(deps, 'mer_fx_once', 100_000, 'USD');
    const q = await quote('mer_fx_once', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    fxWrites.length = 0;
    const conversion = await convert('mer_fx_once', q.id, 'once-1');
    expect(conversion).toMatchObject({ status: 'completed', transactionId: expect.any(String) });
    expect(fxWrites).toEqual([
      { command: 'UpdateItemCommand', key: q.id },
      { command: 'TransactWriteItemsCommand', key: conversion.id },
    ]);
    expect((await postings('mer_fx_once', conversion.id)).map((posted) => posted.id)).toEqual([conversion.transactionId]);
    await expect(repository().getConversion(conversion.id, { consistent: true })).resolves.toEqual(conversion);
    expect(await postings('mer_fx_once', conversion.id)).toHaveLength(1);
  });

  it('finishes a conversion whose first request died after the claim, or after the posting: one posting, the same quote', async () => {
    await fundMerchant(deps, 'mer_fx_died', 100_000, 'USD');
    const claimedOnly = await quote('mer_fx_died', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const id = deriveId('cv', 'mer_fx_died', 'died-after-claim');
    expect(await repository().claimQuote({ quoteId: claimedOnly.id, merchantId: 'mer_fx_died', user: id, now: new Date() })).toBe('claimed');
    const finished = await convert('mer_fx_died', claimedOnly.id, 'died-after-claim');
    expect(finished).toMatchObject({ id, status: 'completed', quoteId: claimedOnly.id });
    expect(await postings('mer_fx_died', id)).toHaveLength(1);

    const posted = await quote('mer_fx_died', { sell_currency: 'USD', buy_currency: 'GBP', sell_amount: 10_000, validity: 'MIN_15' });
    const first = await convert('mer_fx_died', posted.id, 'died-after-posting');
    // The first request's conversion item lost (it died between the posting and the Put).
    await db.documentClient.send(new DeleteCommand({ TableName: tableName('fx'), Key: { pk: first.id, sk: 'conversion' } }));
    // Amended by 0060: its lease (30 s here) is live, so a retry at once is a duplicate in flight (409); after it, it finishes.
    await expect(convert('mer_fx_died', posted.id, 'died-after-posting')).rejects.toMatchObject({ name: 'RequestInFlightError' });
    const again = await convert('mer_fx_died', posted.id, 'died-after-posting', 'fp-died-after-posting', { now: () => new Date(Date.now() + 30_001) });
    expect(again).toMatchObject({ id: first.id, transactionId: first.transactionId, status: 'completed' });
    expect(await postings('mer_fx_died', first.id)).toHaveLength(1);
    // Another request under that key, at another quote: refused, and the quote it claimed is free again.
    const other = await quote('mer_fx_died', { sell_currency: 'USD', buy_currency: 'JPY', sell_amount: 10_000, validity: 'MIN_15' });
    await db.documentClient.send(new DeleteCommand({ TableName: tableName('fx'), Key: { pk: first.id, sk: 'conversion' } }));
    await expect(convert('mer_fx_died', other.id, 'died-after-posting', 'fp-another-request')).rejects.toMatchObject({ name: 'IdempotencyKeyReusedError' });
    await expect(repository().getQuote(other.id, { consistent: true })).resolves.toMatchObject({ usedBy: null });
    expect(await postings('mer_fx_died', first.id)).toHaveLength(1);
    expect((await verifyLedger(db.documentClient, tableName('ledger'))).differences).toEqual([]);
  });

  // Amended by 0060: a duplicate that finds the quote claimed under a live lease is refused (RequestInFlightError, 409).
  it('answers concurrent duplicates of a request with the one conversion stored, or in flight: posted once', async () => {
    await fundMerchant(deps, 'mer_fx_twice', 100_000, 'USD');
    const q = await quote('mer_fx_twice', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const settled = await Promise.allSettled(Array.from({ length: 4 }, () => convert('mer_fx_twice', q.id, 'twice')));
    const stored = await repository().getConversion(deriveId('cv', 'mer_fx_twice', 'twice'), { consistent: true });
    expect(stored).toMatchObject({ status: 'completed' });
    for (const answer of settled) {
      if (answer.status === 'fulfilled') expect(answer.value).toEqual(stored);
      else expect(answer.reason).toMatchObject({ name: 'RequestInFlightError' });
    }
    expect(settled.some((answer) => answer.status === 'fulfilled')).toBe(true);
    // Once stored, a retry is answered with it, lease or not.
    await expect(convert('mer_fx_twice', q.id, 'twice')).resolves.toEqual(stored);
    expect(await postings('mer_fx_twice', stored?.id ?? '')).toHaveLength(1);
    expect(await balanceOf('mer_fx_twice', 'EUR')).toMatchObject({ available: q.buy_amount });
  });

  it("writes a quote's and a conversion's Idempotency-Key record once, with the answer", async () => {
    await fundMerchant(deps, 'mer_fx_record', 100_000, 'USD');
    idempotencyRequests.length = 0;
    const q = await post(createQuote, '/v1/fx/quotes', 'mer_fx_record', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' }, 'record-quote');
    expect(q.statusCode).toBe(201);
    expect(idempotencyRequests).toEqual(['GetItemCommand', 'PutItemCommand']);
    idempotencyRequests.length = 0;
    const converted = await post(createConversion, '/v1/conversions', 'mer_fx_record', { quote_id: json(q).id }, 'record-conversion');
    expect(converted.statusCode).toBe(201);
    expect(idempotencyRequests).toEqual(['GetItemCommand', 'PutItemCommand']);
    // The replay is the stored answer, byte for byte: one read.
    idempotencyRequests.length = 0;
    const replay = await post(createConversion, '/v1/conversions', 'mer_fx_record', { quote_id: json(q).id }, 'record-conversion');
    expect(replay.body).toBe(converted.body);
    expect(replay.headers?.['Idempotent-Replayed']).toBe('true');
    expect(idempotencyRequests).toEqual(['GetItemCommand']);
  });

  // Amended by 0060: every 201 a handler run answers records its entry (at least once, never zero); a replay of the key's
  // stored answer records nothing. Concurrent duplicates may so record more than one entry, all of the one object.
  it('answers duplicates of a quote and of a conversion sent together alike: one quote, one conversion, one posting, at least one audit entry each', async () => {
    await fundMerchant(deps, 'mer_fx_storm', 100_000, 'USD');
    const body = { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' };
    const quotes = await Promise.all(Array.from({ length: 4 }, () => post(createQuote, '/v1/fx/quotes', 'mer_fx_storm', body, 'storm-quote')));
    expect(quotes.map((answer) => answer.statusCode)).toEqual([201, 201, 201, 201]);
    const quoteId = json(quotes[0] as APIGatewayProxyResult).id;
    expect(new Set(quotes.map((answer) => json(answer).id))).toEqual(new Set([quoteId]));
    const conversions = await Promise.all(Array.from({ length: 4 }, () => post(createConversion, '/v1/conversions', 'mer_fx_storm', { quote_id: quoteId }, 'storm-conversion')));
    // Amended by 0060: a conversion's duplicate in flight finds the claim's lease live: 409, and records nothing.
    const created = conversions.filter((answer) => answer.statusCode === 201);
    expect(created.length).toBeGreaterThan(0);
    for (const answer of conversions.filter((other) => other.statusCode !== 201)) {
      expect(answer.statusCode).toBe(409);
      expect(json(answer)).toMatchObject({ code: 'idempotency_in_progress' });
    }
    const conversion = json(created[0] as APIGatewayProxyResult);
    for (const answer of created) expect(json(answer)).toEqual(conversion);
    expect(await postings('mer_fx_storm', conversion.id)).toHaveLength(1);
    expect(await balanceOf('mer_fx_storm', 'EUR')).toMatchObject({ available: json(quotes[0] as APIGatewayProxyResult).buy_amount });
    const audited = ((await db.documentClient.send(new ScanCommand({ TableName: tableName('audit') }))).Items ?? []).filter(
      (item) => item.merchant_id === 'mer_fx_storm',
    );
    const entries = audited.map((item) => `${item.action} ${item.target?.id}`);
    expect(new Set(entries)).toEqual(new Set([`conversion.create ${conversion.id}`, `fx_quote.create ${quoteId}`]));
    const ran = (answers: APIGatewayProxyResult[]) => answers.filter((answer) => answer.statusCode === 201 && answer.headers?.['Idempotent-Replayed'] !== 'true').length;
    expect(entries.filter((entry) => entry.startsWith('fx_quote.create'))).toHaveLength(ran(quotes));
    expect(entries.filter((entry) => entry.startsWith('conversion.create'))).toHaveLength(ran(conversions));
  });

  // Review of 0052: the endpoint's contract is "a failed append answers 500 so the retry records it" (merchant-command-
  // endpoint.ts), and the payment create records its entry again on such a retry (at least once). A quote's and a
  // conversion's retry finds the object its first request stored and returns no change, so their entry is never
  // written. Marked failing: exactly one entry under concurrent duplicates (the test above) and at least one after a
  // failed append need an append idempotent by the command id, a choice for the audit log's owners.
  it("records a quote's and a conversion's audit entry on the retry of a request whose append failed", async () => {
    await fundMerchant(deps, 'mer_fx_audit', 100_000, 'USD');
    const { dynamoDbClient } = await import('../../../lambdas/shared/clients');
    let failNextAppend = true;
    dynamoDbClient().middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { TableName?: string; Item?: { merchant_id?: string } };
        if (failNextAppend && input.TableName === tableName('audit') && input.Item?.merchant_id === 'mer_fx_audit') {
          failNextAppend = false;
          throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failOneAuditAppend' },
    );
    try {
      const body = { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' };
      expect((await post(createQuote, '/v1/fx/quotes', 'mer_fx_audit', body, 'audit-quote')).statusCode).toBe(500);
      const quoted = await post(createQuote, '/v1/fx/quotes', 'mer_fx_audit', body, 'audit-quote');
      expect(quoted.statusCode).toBe(201);
      failNextAppend = true;
      expect((await post(createConversion, '/v1/conversions', 'mer_fx_audit', { quote_id: json(quoted).id }, 'audit-conversion')).statusCode).toBe(500);
      const converted = await post(createConversion, '/v1/conversions', 'mer_fx_audit', { quote_id: json(quoted).id }, 'audit-conversion');
      expect(converted.statusCode).toBe(201);

      const audited = ((await db.documentClient.send(new ScanCommand({ TableName: tableName('audit') }))).Items ?? []).filter(
        (item) => item.merchant_id === 'mer_fx_audit',
      );
      expect(audited.map((item) => `${item.action} ${item.target?.id}`).sort()).toEqual([`conversion.create ${json(converted).id}`, `fx_quote.create ${json(quoted).id}`]);
    } finally {
      dynamoDbClient().middlewareStack.remove('failOneAuditAppend');
    }
  });

  // Review of 0052, fixed by 0060: concurrent duplicates of a conversion ran side by side, and a refused one (balance
  // short) freed the quote its duplicate then posted at. The claim now leases the key: B claims and is about to post;
  // A, the same request, finds the lease live and is refused with RequestInFlightError (409) without touching the quote.
  it('refuses a duplicate while the first request holds the lease: the quote stays the conversion the first posts', async () => {
    await fundMerchant(deps, 'mer_fx_refused_dup', 5_000, 'USD');
    const q = await quote('mer_fx_refused_dup', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const gate = gatedLedger();
    const b = convert('mer_fx_refused_dup', q.id, 'refused-dup', 'fp-refused-dup', { ledger: gate.ledger });
    await gate.reached;

    fxWrites.length = 0;
    await expect(convert('mer_fx_refused_dup', q.id, 'refused-dup', 'fp-refused-dup')).rejects.toMatchObject({ name: 'RequestInFlightError' });
    // A's claim was refused (one failed update), nothing freed, nothing posted.
    expect(fxWrites).toEqual([{ command: 'UpdateItemCommand', key: q.id }]);
    expect(await postings('mer_fx_refused_dup', deriveId('cv', 'mer_fx_refused_dup', 'refused-dup'))).toHaveLength(0);
    await fundMerchant(deps, 'mer_fx_refused_dup', 10_000, 'USD');
    gate.open();
    const conversion = await b;

    expect(conversion).toMatchObject({ status: 'completed', quoteId: q.id });
    expect(await postings('mer_fx_refused_dup', conversion.id)).toHaveLength(1);
    // The quote must still be the conversion's: otherwise another conversion takes the same locked rate again.
    await expect(repository().getQuote(q.id, { consistent: true })).resolves.toMatchObject({ usedBy: conversion.id });
    await expect(convert('mer_fx_refused_dup', q.id, 'refused-dup-other')).rejects.toMatchObject({ name: 'QuoteAlreadyUsedError' });
  });

  it('lets a retry take the claim over once the lease ran out (the first request died after its claim)', async () => {
    await fundMerchant(deps, 'mer_fx_lease_out', 100_000, 'USD');
    const q = await quote('mer_fx_lease_out', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const id = deriveId('cv', 'mer_fx_lease_out', 'lease-out');
    const claimedAt = new Date();
    // The first request claimed with a lease of a minute, then died.
    expect(await repository().claimQuote({ quoteId: q.id, merchantId: 'mer_fx_lease_out', user: id, now: claimedAt, leaseUntil: claimedAt.getTime() + 60_000 })).toBe('claimed');
    await expect(convert('mer_fx_lease_out', q.id, 'lease-out')).rejects.toMatchObject({ name: 'RequestInFlightError' });
    expect(await postings('mer_fx_lease_out', id)).toHaveLength(0);
    // A minute later the lease ran out: the retry takes it over and finishes the conversion, once.
    const later = () => new Date(claimedAt.getTime() + 60_001);
    const finished = await convert('mer_fx_lease_out', q.id, 'lease-out', 'fp-lease-out', { now: later });
    expect(finished).toMatchObject({ id, status: 'completed', quoteId: q.id });
    expect(await postings('mer_fx_lease_out', id)).toHaveLength(1);
  });

  it('keeps the quote when a refused request outran its lease and a retry took the claim over', async () => {
    await fundMerchant(deps, 'mer_fx_taken_over', 5_000, 'USD');
    const q = await quote('mer_fx_taken_over', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const id = deriveId('cv', 'mer_fx_taken_over', 'taken-over');
    // A claims with a lease of 50 ms and stalls before posting.
    const gateA = gatedLedger();
    const a = convert('mer_fx_taken_over', q.id, 'taken-over', 'fp-taken-over', { ledger: gateA.ledger, inFlightMs: 50 });
    const aRefused = expect(a).rejects.toMatchObject({ name: 'InsufficientFundsError' });
    await gateA.reached;
    await new Promise((resolve) => setTimeout(resolve, 80));
    // B, its retry, takes the lapsed lease over and stalls before posting.
    const gateB = gatedLedger();
    const b = convert('mer_fx_taken_over', q.id, 'taken-over', 'fp-taken-over', { ledger: gateB.ledger });
    await gateB.reached;
    // A posts, is refused for the short balance, and may not free the quote B holds.
    gateA.open();
    await aRefused;
    await expect(repository().getQuote(q.id, { consistent: true })).resolves.toMatchObject({ usedBy: id });
    await expect(convert('mer_fx_taken_over', q.id, 'taken-over-other')).rejects.toMatchObject({ name: 'QuoteAlreadyUsedError' });
    await fundMerchant(deps, 'mer_fx_taken_over', 10_000, 'USD');
    gateB.open();
    const conversion = await b;
    expect(conversion).toMatchObject({ id, status: 'completed', quoteId: q.id });
    expect(await postings('mer_fx_taken_over', id)).toHaveLength(1);
    await expect(repository().getQuote(q.id, { consistent: true })).resolves.toMatchObject({ usedBy: id });
  });

  // Amended by 0062: the conversion is stored by the posting's transaction, so the 5xx is the posting's write.
  it('lets the lease go when a conversion fails in its posting (5xx), so its retry finishes it at once', async () => {
    await fundMerchant(deps, 'mer_fx_5xx', 100_000, 'USD');
    const q = await quote('mer_fx_5xx', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const failing = Object.assign(Object.create(deps.ledger) as typeof deps.ledger, {
      commit: async () => {
        throw Object.assign(new Error('Internal server error'), { name: 'InternalServerError' });
      },
    });
    await expect(convert('mer_fx_5xx', q.id, 'five-xx', 'fp-five-xx', { ledger: { ...deps, ledger: failing } })).rejects.toMatchObject({ name: 'InternalServerError' });
    const id = deriveId('cv', 'mer_fx_5xx', 'five-xx');
    await expect(repository().getQuote(q.id, { consistent: true })).resolves.toMatchObject({ usedBy: id });
    await expect(repository().getConversion(id, { consistent: true })).resolves.toBeUndefined();
    const finished = await convert('mer_fx_5xx', q.id, 'five-xx');
    expect(finished).toMatchObject({ id, status: 'completed', quoteId: q.id });
    expect(await postings('mer_fx_5xx', id)).toHaveLength(1);
  });

  it('frees the quote of a conversion refused while it holds its lease, for another attempt', async () => {
    await fundMerchant(deps, 'mer_fx_freed', 5_000, 'USD');
    const q = await quote('mer_fx_freed', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    await expect(convert('mer_fx_freed', q.id, 'freed')).rejects.toMatchObject({ name: 'InsufficientFundsError' });
    await expect(repository().getQuote(q.id, { consistent: true })).resolves.toMatchObject({ usedBy: null });
    await fundMerchant(deps, 'mer_fx_freed', 10_000, 'USD');
    // Released: the same key's retry claims it at once, no lease to wait out.
    await expect(convert('mer_fx_freed', q.id, 'freed')).resolves.toMatchObject({ status: 'completed', quoteId: q.id });
  });

  it('completes a conversion left pending by the code before (claim and pending item in one transaction)', async () => {
    await fundMerchant(deps, 'mer_fx_legacy', 100_000, 'USD');
    const q = await quote('mer_fx_legacy', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const id = deriveId('cv', 'mer_fx_legacy', 'legacy');
    const createdAt = new Date().toISOString();
    expect(await repository().claimQuote({ quoteId: q.id, merchantId: 'mer_fx_legacy', user: id, now: new Date() })).toBe('claimed');
    const pending = { id, merchantId: 'mer_fx_legacy', quoteId: q.id, sellCurrency: 'USD', sellAmount: q.sell_amount, buyCurrency: 'EUR', buyAmount: q.buy_amount, rate: q.rate, status: 'pending', transactionId: null, createdAt, completedAt: null, requestFingerprint: 'fp-legacy' };
    await db.documentClient.send(new PutCommand({ TableName: tableName('fx'), Item: { pk: id, sk: 'conversion', merchant_type: 'mer_fx_legacy#conversion', created_key: `${createdAt}#${id}`, ...pending } }));
    const finished = await convert('mer_fx_legacy', q.id, 'legacy');
    expect(finished).toMatchObject({ id, status: 'completed', createdAt });
    await expect(repository().getConversion(id, { consistent: true })).resolves.toEqual(finished);
    expect(await postings('mer_fx_legacy', id)).toHaveLength(1);
  });
});

describe('a posted conversion always has its object (decision record 0062)', () => {
  const repository = () => new DynamoDbFxRepository(db.documentClient, tableName('fx'));
  const convert = (merchantId: string, quoteId: string, key: string, ledger: CapturePostingDeps = deps) =>
    createConversionUseCase({ quotes: repository(), ledger, now: () => new Date(), inFlightMs: 30_000 }, { merchantId, idempotencyKey: key, requestFingerprint: `fp-${key}`, quoteId });
  const postings = async (merchantId: string, conversionId: string) =>
    (await deps.ledger.getPositionHistory(conversionTemplate.positionId({ merchantId, conversionId } as ConversionEvent)))?.transactions ?? [];
  /** The ledger deps with the store's `commit` replaced. */
  const ledgerWith = (commit: (posting: Parameters<typeof deps.ledger.commit>[0]) => ReturnType<typeof deps.ledger.commit>): CapturePostingDeps => ({
    ...deps,
    ledger: Object.assign(Object.create(deps.ledger) as typeof deps.ledger, { commit }),
  });
  const listed = async (merchantId: string) =>
    json(await listConversions(apiGatewayEvent({ method: 'GET', resource: '/v1/conversions', merchantId }), lambdaContext('xborder-fx'))).data.map((conversion: { id: string }) => conversion.id);

  it('stores a conversion whose request died as its posting was written, and was never retried: readable, listed, balanced', async () => {
    await fundMerchant(deps, 'mer_fx_no_retry', 100_000, 'USD');
    const q = await quote('mer_fx_no_retry', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    // The posting's write succeeds, and the request dies with its answer: nothing after it runs, and nobody retries.
    const dying = ledgerWith(async (posting) => {
      const outcome = await deps.ledger.commit(posting);
      if (outcome.outcome === 'committed') throw Object.assign(new Error('the request died after its posting'), { name: 'RequestDied' });
      return outcome;
    });
    await expect(convert('mer_fx_no_retry', q.id, 'no-retry', dying)).rejects.toMatchObject({ name: 'RequestDied' });

    const id = deriveId('cv', 'mer_fx_no_retry', 'no-retry');
    const posted = await postings('mer_fx_no_retry', id);
    expect(posted).toHaveLength(1);
    expect(await balanceOf('mer_fx_no_retry', 'EUR')).toMatchObject({ available: q.buy_amount });
    // The balance transactions name the conversion, and the conversion exists: by id and in the list.
    const read = await get(getConversion, '/v1/conversions/{id}', id, 'mer_fx_no_retry');
    expect(read.statusCode).toBe(200);
    expect(json(read)).toMatchObject({ id, status: 'completed', quote_id: q.id, sell_amount: 10_000, buy_amount: q.buy_amount });
    await expect(repository().getConversion(id, { consistent: true })).resolves.toMatchObject({ transactionId: posted[0]?.id });
    expect(await listed('mer_fx_no_retry')).toEqual([id]);
    expect((await verifyLedger(db.documentClient, tableName('ledger'))).differences).toEqual([]);
  });

  it('stores no conversion when its posting is refused at the write (the funds went meanwhile): 422, the quote free', async () => {
    const { net } = await fundMerchant(deps, 'mer_fx_refused_write', 20_000, 'USD');
    expect(net).toBeGreaterThan(10_000);
    const q = await quote('mer_fx_refused_write', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const drain = await quote('mer_fx_refused_write', { sell_currency: 'USD', buy_currency: 'GBP', sell_amount: net - 5_000, validity: 'MIN_15' });
    const attempts: { companion: boolean; outcome: string }[] = [];
    // Planned with the funds there; another conversion takes most of them before the write, whose guard then fails.
    const racing = ledgerWith(async (posting) => {
      if (attempts.length === 0) await convert('mer_fx_refused_write', drain.id, 'drain');
      const outcome = await deps.ledger.commit(posting);
      attempts.push({ companion: posting.companion !== undefined, outcome: outcome.outcome });
      return outcome;
    });
    await expect(convert('mer_fx_refused_write', q.id, 'refused-write', racing)).rejects.toMatchObject({ name: 'InsufficientFundsError' });
    // The write carried the conversion and was cancelled whole; planned again, the posting was refused.
    expect(attempts).toEqual([{ companion: true, outcome: 'stale' }]);

    const id = deriveId('cv', 'mer_fx_refused_write', 'refused-write');
    expect(await postings('mer_fx_refused_write', id)).toHaveLength(0);
    expect((await get(getConversion, '/v1/conversions/{id}', id, 'mer_fx_refused_write')).statusCode).toBe(404);
    expect(await listed('mer_fx_refused_write')).toEqual([deriveId('cv', 'mer_fx_refused_write', 'drain')]);
    await expect(repository().getQuote(q.id, { consistent: true })).resolves.toMatchObject({ usedBy: null });
    expect((await verifyLedger(db.documentClient, tableName('ledger'))).differences).toEqual([]);
  });

  it('writes neither the posting nor its companion when the companion\'s condition fails', async () => {
    await fundMerchant(deps, 'mer_fx_companion', 100_000, 'USD');
    const q = await quote('mer_fx_companion', { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' });
    const id = deriveId('cv', 'mer_fx_companion', 'companion');
    const stored = await repository().getQuote(q.id, { consistent: true });
    const event: ConversionEvent = {
      merchantId: 'mer_fx_companion', conversionId: id, quoteId: q.id, sellCurrency: 'USD', sellAmount: q.sell_amount, buyCurrency: 'EUR', buyAmount: q.buy_amount, spreadAmount: stored?.spreadAmount ?? 0, rate: q.rate,
    };
    // An item the companion may not replace (a completed conversion under the id): the whole posting is refused.
    const blocking = { pk: id, sk: 'conversion', status: 'completed' };
    await db.documentClient.send(new PutCommand({ TableName: tableName('fx'), Item: blocking }));
    const companion = { tableName: tableName('fx'), item: { pk: id, sk: 'conversion', status: 'completed', merchantId: 'mer_fx_companion' }, condition: { expression: 'attribute_not_exists(pk)' } };
    await expect(postLedgerEvent(deps, conversionTemplate, event, { companion })).rejects.toMatchObject({ name: 'CompanionRefusedError' });
    expect(await postings('mer_fx_companion', id)).toHaveLength(0);
    expect(await balanceOf('mer_fx_companion', 'EUR')).toMatchObject({ available: 0 });
    await expect(repository().getConversion(id, { consistent: true })).resolves.toEqual({ status: 'completed' });
    await db.documentClient.send(new DeleteCommand({ TableName: tableName('fx'), Key: { pk: id, sk: 'conversion' } }));
    // Without it, both are written.
    await expect(postLedgerEvent(deps, conversionTemplate, event, { companion })).resolves.toMatchObject({ replayed: false });
    expect(await postings('mer_fx_companion', id)).toHaveLength(1);
    await expect(repository().getConversion(id, { consistent: true })).resolves.toMatchObject({ merchantId: 'mer_fx_companion', status: 'completed' });
  });
});

describe('GET /v1/conversions', () => {
  const list = (merchantId: string, query: Record<string, string> = {}) =>
    listConversions(apiGatewayEvent({ method: 'GET', resource: '/v1/conversions', merchantId, query }), lambdaContext('xborder-fx'));

  it('lists the merchant\'s conversions newest first, page by page, and nobody else\'s', async () => {
    await fundMerchant(deps, 'mer_fx_list', 100_000, 'USD');
    const ids: string[] = [];
    for (const buy of ['EUR', 'GBP', 'JPY']) {
      const q = await quote('mer_fx_list', { sell_currency: 'USD', buy_currency: buy, sell_amount: 1_000, validity: 'MIN_15' });
      const converted = await post(createConversion, '/v1/conversions', 'mer_fx_list', { quote_id: q.id });
      expect(converted.statusCode).toBe(201);
      ids.push(json(converted).id);
    }
    const first = json(await list('mer_fx_list', { limit: '2' }));
    expect(first).toMatchObject({ object: 'list', url: '/v1/conversions', has_more: true });
    expect(first.data.map((conversion: { id: string }) => conversion.id)).toEqual([ids[2], ids[1]]);
    expect(first.data[0]).toEqual(json(await get(getConversion, '/v1/conversions/{id}', ids[2] as string, 'mer_fx_list')));
    const last = json(await list('mer_fx_list', { limit: '2', starting_after: ids[1] as string }));
    expect(last).toMatchObject({ has_more: false, data: [expect.objectContaining({ id: ids[0], buy_currency: 'EUR' })] });

    expect(json(await list('mer_fx_nobody')).data).toEqual([]);
    const foreign = await list('mer_fx_nobody', { starting_after: ids[0] as string });
    expect(foreign.statusCode).toBe(422);
    expect(json(foreign).errors).toEqual([expect.objectContaining({ field: 'starting_after' })]);
  });

  it.each<Record<string, string>>([{ limit: '0' }, { limit: '101' }, { unexpected: 'x' }])('refuses the query %p naming the parameter', async (query) => {
    const response = await list('mer_fx_list', query);
    expect(response.statusCode).toBe(422);
    expect(json(response).errors).toEqual([expect.objectContaining({ field: Object.keys(query)[0] })]);
  });
});
