import { randomUUID } from 'node:crypto';
import { DynamoDbEventStore } from '../../../lambdas/adapters/dynamodb/event-store';
import { DynamoDbLedgerStore } from '../../../lambdas/adapters/dynamodb/ledger-store';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { DynamoDbPaymentRepository } from '../../../lambdas/adapters/dynamodb/payment-repository';
import { DynamoDbPricingRepository } from '../../../lambdas/adapters/dynamodb/pricing-repository';
import { type EventDraft, pagesOf } from '../../../lambdas/domain/events';
import { deriveId } from '../../../lambdas/domain/ids';
import { type Payment, newPayment } from '../../../lambdas/domain/payment';
import { reserveRefund } from '../../../lambdas/domain/payment-lifecycle';
import { newRefund } from '../../../lambdas/domain/refund';
import { onboardMerchant } from '../../../lambdas/use-cases/onboard-merchant';
import { postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { paymentCaptured, paymentSettled } from '../../../lambdas/domain/ledger/postings';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { useIsolatedDynamoDb } from '../../support/dynamodb';
import { type HttpResponse, request } from '../../support/http';
import { type TestKms, useLocalKms } from '../../support/kms';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { openApiViolations } from '../../support/openapi-responses';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * Stripe's list conventions on every merchant list (docs/api.md, "Lists"), over HTTP through the local API
 * Gateway emulator, the real authorizer and the real handlers, on DynamoDB Local: `ending_before` paging back
 * to exactly the pages `starting_after` walked, `created[gte|gt|lte|lt]` at their boundaries, the refusals,
 * and GET /v1/refunds kept to its merchant. Payments and refunds are written through the payment repository
 * with chosen creation times (the API stamps "now"), so the boundaries are exact.
 */
interface Merchant {
  readonly id: string;
  readonly key: string;
}

interface ListJson {
  readonly object: 'list';
  readonly url: string;
  readonly data: { readonly id: string; readonly created_at: string }[];
  readonly has_more: boolean;
}

let apis: LocalApis;
let kms: TestKms;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let lister: Merchant;
let other: Merchant;
/** The lister's payments and refunds, newest first, as the lists must show them. */
let payments: Payment[];
let refundsNewestFirst: { id: string; paymentId: string; createdAt: string }[];
let otherPayment: Payment;
let otherRefundIds: string[];

const BASE = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => String(Math.floor(ms / 1000));

/** A GET with a merchant's key; every answer is also checked against docs/openapi.json. */
const get = async (merchant: Merchant, path: string): Promise<HttpResponse> => {
  const response = await request(apis.merchantUrl, 'GET', path, { key: merchant.key });
  const violations = openApiViolations({ method: 'GET', path, status: response.status, contentType: response.headers.get('content-type'), json: response.json });
  expect(violations).toEqual([]);
  return response;
};

const list = async (merchant: Merchant, path: string): Promise<ListJson> => {
  const response = await get(merchant, path);
  expect({ path, status: response.status, body: response.status === 200 ? undefined : response.json }).toEqual({ path, status: 200, body: undefined });
  return response.json as ListJson;
};

const ids = (page: ListJson) => page.data.map((item) => item.id);
const join = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

/**
 * Walks a list forward with `starting_after` to its end, then back from the last page with `ending_before` to
 * its start; both walks must give the same pages, and their concatenation must be the list read whole.
 */
const walkBothWays = async (merchant: Merchant, path: string, limit: number): Promise<string[][]> => {
  const whole = await list(merchant, join(path, 'limit=100'));
  expect(whole.has_more).toBe(false);
  const forward: ListJson[] = [await list(merchant, join(path, `limit=${limit}`))];
  while ((forward.at(-1) as ListJson).has_more) forward.push(await list(merchant, join(path, `limit=${limit}&starting_after=${(forward.at(-1) as ListJson).data.at(-1)?.id}`)));
  const backward: ListJson[] = [forward.at(-1) as ListJson];
  let previous: ListJson;
  do {
    previous = await list(merchant, join(path, `limit=${limit}&ending_before=${(backward[0] as ListJson).data[0]?.id}`));
    backward.unshift(previous);
  } while (previous.has_more);
  expect({ path, pages: backward.map(ids) }).toEqual({ path, pages: forward.map(ids) });
  expect(forward.flatMap(ids)).toEqual(ids(whole));
  // Every page is full but the last; has_more says whether another page follows in the walk's direction.
  expect(forward.map((page) => page.has_more)).toEqual(forward.map((_, index) => index < forward.length - 1));
  return forward.map(ids);
};

const paymentOf = (merchantId: string, index: number, createdMs: number): Payment =>
  newPayment({
    id: deriveId('pay', 'list-conventions', merchantId, String(index)),
    merchantId,
    amount: 1000 + index,
    currency: 'EUR',
    captureMethod: 'automatic',
    card: { brand: 'visa', bin: '424242', last4: '4242', exp_month: 12, exp_year: 2030, token: `tok_${index}`, fingerprint: 'v1.test' },
    description: null,
    metadata: {},
    requestFingerprint: `fp-${index}`,
    now: new Date(createdMs),
  });

const newestFirst = <T extends { createdAt: string; id: string }>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => (`${a.createdAt}#${a.id}` < `${b.createdAt}#${b.id}` ? 1 : -1));

beforeAll(async () => {
  const db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  apis = await startLocalApis();
  const merchants = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
  const onboard = async (name: string): Promise<Merchant> => {
    const onboarded = await onboardMerchant({ merchants, now: () => new Date() }, { name });
    return { id: onboarded.merchant.id, key: onboarded.secretKey };
  };
  lister = await onboard('Lister');
  other = await onboard('Other');

  // 23 payments a second apart, two of them (11 and 12) in the same millisecond; the other merchant's in between.
  // (Three more, an hour earlier, get the refunds below.)
  const repository = new DynamoDbPaymentRepository(db.documentClient, tableName('payments'), deployment.primaryRegion);
  const created = Array.from({ length: 23 }, (_, index) => paymentOf(lister.id, index, BASE + (index === 12 ? 11 : index) * 1000));
  for (const payment of created) await repository.insert(payment);
  otherPayment = { ...paymentOf(other.id, 100, BASE + 5500), status: 'succeeded', amountReceived: 1100 };
  await repository.insert(otherPayment);

  // 12 refunds of three succeeded payments (4 each, a second apart, from BASE + 60 s); 2 of the other merchant's.
  const refundable = [24, 25, 26].map((index) => ({ ...paymentOf(lister.id, index, BASE - 3_600_000 + index), status: 'succeeded' as const, amountReceived: 5000 }));
  for (const payment of refundable) await repository.insert(payment);
  payments = newestFirst([...created, ...refundable]);
  const current = new Map(refundable.map((payment) => [payment.id, payment as Payment]));
  const refunds: { id: string; paymentId: string; createdAt: string }[] = [];
  const refund = async (merchantId: string, payment: Payment, key: string, createdMs: number) => {
    const item = newRefund({ id: deriveId('re', 'list-conventions', key), merchantId, paymentId: payment.id, amount: 10, currency: 'EUR', reason: null, requestFingerprint: key, now: new Date(createdMs) });
    const reserved = reserveRefund(payment, { refundId: item.id, amount: 10 }, new Date(createdMs));
    await repository.apply(reserved, { newRefund: item });
    return { refund: item, payment: reserved.payment };
  };
  for (let k = 0; k < 12; k += 1) {
    const payment = current.get((refundable[k % 3] as Payment).id) as Payment;
    const made = await refund(lister.id, payment, `lister-${k}`, BASE + 60_000 + k * 1000);
    current.set(payment.id, made.payment);
    refunds.push({ id: made.refund.id, paymentId: payment.id, createdAt: made.refund.createdAt });
  }
  refundsNewestFirst = newestFirst(refunds);
  otherRefundIds = [];
  let otherCurrent = otherPayment;
  for (let k = 0; k < 2; k += 1) {
    const made = await refund(other.id, otherCurrent, `other-${k}`, BASE + 60_500 + k * 1000);
    otherCurrent = made.payment;
    otherRefundIds.push(made.refund.id);
  }

  // Statement lines: three captured and settled payments (what the saga and the settlement webhook post).
  const postingDeps = {
    ledger: new DynamoDbLedgerStore(db.documentClient, tableName('ledger')),
    pricing: new DynamoDbPricingRepository(db.documentClient, tableName('merchants')),
    region: deployment.primaryRegion,
    primaryRegion: deployment.primaryRegion,
    now: () => new Date(),
  };
  for (const payment of created.slice(0, 3)) {
    await postLedgerEvent(postingDeps, paymentCaptured, { merchantId: lister.id, paymentId: payment.id, channel: 'acq_sim', currency: 'EUR', amount: 50_000, authorizedAmount: 50_000 });
    await postLedgerEvent(postingDeps, paymentSettled, { merchantId: lister.id, paymentId: payment.id, settlementId: `stl_${payment.id}` });
  }
  // Treasury objects, API keys and webhook endpoints through the API (created now, a few ms apart).
  const post = async (path: string, body: unknown) => {
    const response = await request(apis.merchantUrl, 'POST', path, { key: lister.key, body, idempotencyKey: randomUUID() });
    expect({ path, status: response.status }).toEqual({ path, status: 201 });
    return response.json as { id: string };
  };
  const beneficiaries: string[] = [];
  for (const name of ['Ana', 'Ben', 'Cai', 'Dee']) {
    beneficiaries.push((await post('/v1/beneficiaries', { name, entity_type: 'individual', country: 'DE', currency: 'EUR', bank_account: { rail: 'sepa', iban: 'DE89370400440532013000' } })).id);
  }
  for (let n = 0; n < 3; n += 1) {
    const quote = await post('/v1/fx/quotes', { sell_currency: 'EUR', buy_currency: 'USD', sell_amount: 500 + n, validity: 'HR_24' });
    await post('/v1/conversions', { quote_id: quote.id });
  }
  for (let n = 0; n < 3; n += 1) await post('/v1/payouts', { beneficiary_id: beneficiaries[n], amount: 300 + n, currency: 'EUR', reference: `Lists ${n}` });
  for (let n = 0; n < 3; n += 1) await post('/v1/api_keys', { scopes: ['payments:read'] });
  for (let n = 0; n < 3; n += 1) await post('/v1/webhook_endpoints', { url: `https://hooks.lister.example/${n}`, enabled_events: ['*'] });
  // Events over several pages and minutes (the outbox is not under test: pages are stored as it stores them).
  const drafts: EventDraft[] = Array.from({ length: 9 }, (_, n) => ({
    merchantId: lister.id,
    type: 'payment.created',
    objectId: (created[n] as Payment).id,
    sequence: 1,
    createdMs: Date.now() - 10 * 60_000 + Math.floor(n / 3) * 90_000 + (n % 3) * 7,
    object: { id: (created[n] as Payment).id },
  }));
  await new DynamoDbEventStore(db.documentClient, tableName('events')).putPages([...pagesOf(drafts.slice(0, 5), 'lists-a'), ...pagesOf(drafts.slice(5), 'lists-b')]);
}, 120_000);

afterAll(async () => {
  await apis.stop();
  await kms.stop();
  await sagas.stop();
});

describe('ending_before', () => {
  it('pages GET /v1/payments back to exactly the pages starting_after walked (ties included)', async () => {
    const pages = await walkBothWays(lister, '/v1/payments', 5);
    expect(pages.flat()).toEqual(payments.map((payment) => payment.id));
    expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 5, 1]);
  });

  it.each([1, 2, 7])('walks both ways with limit %i', async (limit) => {
    const pages = await walkBothWays(lister, '/v1/payments', limit);
    expect(pages.flat()).toEqual(payments.map((payment) => payment.id));
  });

  it('answers the objects just newer than the cursor, newest first, has_more when newer ones remain', async () => {
    const cursor = payments[10] as Payment;
    const page = await list(lister, `/v1/payments?limit=3&ending_before=${cursor.id}`);
    expect({ ids: ids(page), has_more: page.has_more }).toEqual({ ids: payments.slice(7, 10).map((payment) => payment.id), has_more: true });
    const newest = await list(lister, `/v1/payments?limit=3&ending_before=${(payments[0] as Payment).id}`);
    expect({ ids: ids(newest), has_more: newest.has_more }).toEqual({ ids: [], has_more: false });
    const top = await list(lister, `/v1/payments?limit=3&ending_before=${(payments[3] as Payment).id}`);
    expect({ ids: ids(top), has_more: top.has_more }).toEqual({ ids: payments.slice(0, 3).map((payment) => payment.id), has_more: false });
  });

  it.each([
    '/v1/refunds',
    '/v1/balance_transactions',
    '/v1/conversions',
    '/v1/beneficiaries',
    '/v1/payouts',
    '/v1/api_keys',
    '/v1/webhook_endpoints',
    '/v1/events',
  ])('pages %s both ways', async (path) => {
    const pages = await walkBothWays(lister, path, 2);
    expect(pages.flat().length).toBeGreaterThanOrEqual(3);
  });

  it('pages one payment\'s refunds both ways', async () => {
    const paymentId = (refundsNewestFirst[0] as { paymentId: string }).paymentId;
    const pages = await walkBothWays(lister, `/v1/refunds?payment=${paymentId}`, 3);
    expect(pages.flat()).toEqual(refundsNewestFirst.filter((refund) => refund.paymentId === paymentId).map((refund) => refund.id));
  });
});

describe('created filters', () => {
  const between = (fromMs: number, toMs: number) => payments.filter((payment) => Date.parse(payment.createdAt) >= fromMs && Date.parse(payment.createdAt) <= toMs).map((payment) => payment.id);

  it.each([
    ['gte and lte as ISO times: both ends included', `created[gte]=${iso(BASE + 5000)}&created[lte]=${iso(BASE + 9000)}`, BASE + 5000, BASE + 9000],
    ['gt and lt as ISO times: both ends excluded', `created[gt]=${iso(BASE + 5000)}&created[lt]=${iso(BASE + 9000)}`, BASE + 5001, BASE + 8999],
    ['gte and lte in Unix seconds: whole seconds', `created[gte]=${seconds(BASE + 5000)}&created[lte]=${seconds(BASE + 9000)}`, BASE + 5000, BASE + 9999],
    ['gt in Unix seconds: from the next second', `created[gt]=${seconds(BASE + 5000)}`, BASE + 6000, Number.MAX_SAFE_INTEGER],
    ['lt in Unix seconds: before that second', `created[lt]=${seconds(BASE + 3000)}`, 0, BASE + 2999],
    ['the two objects of one millisecond', `created[gte]=${iso(BASE + 11_000)}&created[lte]=${iso(BASE + 11_000)}`, BASE + 11_000, BASE + 11_000],
    ['a range holding nothing', `created[gt]=${iso(BASE + 9000)}&created[lt]=${iso(BASE + 9000)}`, 1, 0],
  ])('%s', async (_name, query, fromMs, toMs) => {
    const expected = between(fromMs, toMs);
    const page = await list(lister, `/v1/payments?limit=100&${query}`);
    expect({ ids: ids(page), has_more: page.has_more }).toEqual({ ids: expected, has_more: false });
  });

  it('pages within the bounds both ways, never past them', async () => {
    const query = `created[gte]=${iso(BASE + 4000)}&created[lt]=${iso(BASE + 17_000)}`;
    const pages = await walkBothWays(lister, `/v1/payments?${query}`, 4);
    expect(pages.flat()).toEqual(between(BASE + 4000, BASE + 16_999));
  });

  it('filters refunds by creation, with and without the payment filter', async () => {
    const from = BASE + 62_000;
    const to = BASE + 67_000;
    const expected = refundsNewestFirst.filter((refund) => Date.parse(refund.createdAt) >= from && Date.parse(refund.createdAt) <= to);
    const all = await list(lister, `/v1/refunds?limit=100&created[gte]=${iso(from)}&created[lte]=${iso(to)}`);
    expect(ids(all)).toEqual(expected.map((refund) => refund.id));
    const paymentId = (expected[0] as { paymentId: string }).paymentId;
    const one = await list(lister, `/v1/refunds?limit=100&payment=${paymentId}&created[gte]=${iso(from)}&created[lte]=${iso(to)}`);
    expect(ids(one)).toEqual(expected.filter((refund) => refund.paymentId === paymentId).map((refund) => refund.id));
  });

  it.each(['/v1/balance_transactions', '/v1/conversions', '/v1/beneficiaries', '/v1/payouts', '/v1/api_keys', '/v1/events'])(
    '%s keeps exactly what its created bounds hold',
    async (path) => {
      const whole = await list(lister, `${path}?limit=100`);
      const times = whole.data.map((item) => item.created_at);
      const from = times[times.length - 2] as string;
      const to = times[1] as string;
      const bounded = await list(lister, `${path}?limit=100&created[gte]=${from}&created[lte]=${to}`);
      expect(ids(bounded)).toEqual(whole.data.filter((item) => item.created_at >= from && item.created_at <= to).map((item) => item.id));
      const after = await list(lister, `${path}?limit=100&created[gt]=${to}`);
      expect(ids(after)).toEqual(whole.data.filter((item) => item.created_at > to).map((item) => item.id));
    },
  );
});

describe('refusals', () => {
  it('refuses starting_after with ending_before, naming both, on every list', async () => {
    for (const [path, first, second] of [
      ['/v1/payments', payments[1]?.id, payments[5]?.id],
      ['/v1/refunds', refundsNewestFirst[1]?.id, refundsNewestFirst[5]?.id],
    ] as const) {
      const response = await get(lister, `${path}?starting_after=${first}&ending_before=${second}`);
      expect({ status: response.status, code: response.json.code, fields: response.json.errors.map((error: { field: string }) => error.field) }).toEqual({
        status: 422,
        code: 'validation_error',
        fields: ['starting_after', 'ending_before'],
      });
    }
  });

  it.each([
    ['created[gte]=yesterday', 'created[gte]'],
    ['created[lt]=2026-02-30', 'created[lt]'],
    ['created[between]=1', 'created[between]'],
  ])('refuses %s naming the field', async (query, field) => {
    const response = await get(lister, `/v1/payments?${query}`);
    expect({ status: response.status, fields: response.json.errors.map((error: { field: string }) => error.field) }).toEqual({ status: 422, fields: [field] });
  });

  it('treats another merchant\'s object as a cursor like an unknown one, naming the parameter', async () => {
    for (const [path, foreign] of [
      ['/v1/payments', otherPayment.id],
      ['/v1/refunds', otherRefundIds[0]],
      ['/v1/payments', deriveId('pay', 'never', 'made')],
    ] as const) {
      for (const field of ['starting_after', 'ending_before']) {
        const response = await get(lister, `${path}?${field}=${foreign}`);
        expect({ path, status: response.status, field: response.json.errors?.[0]?.field }).toEqual({ path, status: 422, field });
      }
    }
  });

  it('refuses a refund cursor of another payment when the list is one payment\'s', async () => {
    const [first, second] = [refundsNewestFirst[0], refundsNewestFirst.find((refund) => refund.paymentId !== refundsNewestFirst[0]?.paymentId)] as { id: string; paymentId: string }[];
    const response = await get(lister, `/v1/refunds?payment=${first?.paymentId}&ending_before=${second?.id}`);
    expect({ status: response.status, field: response.json.errors?.[0]?.field }).toEqual({ status: 422, field: 'ending_before' });
  });
});

describe('GET /v1/refunds', () => {
  it('lists the merchant\'s refunds newest first, never another merchant\'s', async () => {
    const mine = await list(lister, '/v1/refunds?limit=100');
    expect(ids(mine)).toEqual(refundsNewestFirst.map((refund) => refund.id));
    expect(mine.data[0]).toMatchObject({ object: 'refund', status: 'pending', amount: 10, currency: 'EUR' });
    const theirs = await list(other, '/v1/refunds?limit=100');
    expect(ids(theirs).sort()).toEqual([...otherRefundIds].sort());
  });

  it('filters by payment: one payment\'s refunds; another merchant\'s payment has none to show', async () => {
    const paymentId = (refundsNewestFirst[0] as { paymentId: string }).paymentId;
    const one = await list(lister, `/v1/refunds?payment=${paymentId}`);
    expect(ids(one)).toEqual(refundsNewestFirst.filter((refund) => refund.paymentId === paymentId).map((refund) => refund.id));
    const intruding = await list(other, `/v1/refunds?payment=${paymentId}`);
    expect({ ids: ids(intruding), has_more: intruding.has_more }).toEqual({ ids: [], has_more: false });
    const foreign = await list(lister, `/v1/refunds?payment=${otherPayment.id}`);
    expect(ids(foreign)).toEqual([]);
  });
});
