import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbLedgerStore } from '../../../lambdas/adapters/dynamodb/ledger-store';
import { DynamoDbPricingRepository } from '../../../lambdas/adapters/dynamodb/pricing-repository';
import { type CapturePostingDeps, postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { paymentCaptured, paymentRefunded, paymentSettled, payoutFundsReserved } from '../../../lambdas/domain/ledger/postings';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { useIsolatedDynamoDb } from '../../support/dynamodb';

/** GET /v1/balances and GET /v1/balance_transactions against DynamoDB Local, with real proxy events. */
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

let getBalance: Handler;
let listBalanceTransactions: Handler;
let deps: CapturePostingDeps;

const balances = async (merchantId: string) =>
  getBalance(apiGatewayEvent({ method: 'GET', resource: '/v1/balances', merchantId }), lambdaContext('xborder-get-balance'));
const lines = (merchantId: string, query?: Record<string, string>) =>
  listBalanceTransactions(
    apiGatewayEvent({ method: 'GET', resource: '/v1/balance_transactions', query, merchantId }),
    lambdaContext('xborder-list-balance-transactions'),
  );

beforeAll(async () => {
  const db = await useIsolatedDynamoDb();
  const ledger = new DynamoDbLedgerStore(db.documentClient, tableName('ledger'));
  deps = {
    ledger,
    pricing: new DynamoDbPricingRepository(db.documentClient, tableName('merchants')),
    region: deployment.primaryRegion,
    primaryRegion: deployment.primaryRegion,
    now: () => new Date(),
  };
  ({ handler: getBalance } = (await import('../../../lambdas/handlers/api/get-balance')) as { handler: Handler });
  ({ handler: listBalanceTransactions } = (await import('../../../lambdas/handlers/api/list-balance-transactions')) as { handler: Handler });

  const capture = (merchantId: string, paymentId: string, amount: number, currency: string) =>
    postLedgerEvent(deps, paymentCaptured, { merchantId, paymentId, channel: 'acq_sim', currency, amount, authorizedAmount: amount });
  await capture('mer_api_a', 'pay_a1', 10_000, 'USD');
  await postLedgerEvent(deps, paymentSettled, { merchantId: 'mer_api_a', paymentId: 'pay_a1', settlementId: 'stl_1' });
  await capture('mer_api_a', 'pay_a2', 5_000, 'JPY');
  await postLedgerEvent(deps, paymentRefunded, { merchantId: 'mer_api_a', paymentId: 'pay_a1', refundId: 're_a1', amount: 1_000, currency: 'USD' });
  await postLedgerEvent(deps, payoutFundsReserved, { merchantId: 'mer_api_a', payoutId: 'po_a1', amount: 2_000, currency: 'USD' });
  await capture('mer_api_b', 'pay_b1', 7_777, 'KWD');
}, 30_000);

describe('GET /v1/balances', () => {
  it('answers available, pending and reserved per currency', async () => {
    const response = await balances('mer_api_a');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      object: 'balance',
      // USD: 10,000 − 320 fee, settled, − 1,000 refund − 2,000 reserved. JPY: 5,000 − 145 fee, pending.
      available: [
        { currency: 'JPY', amount: 0 },
        { currency: 'USD', amount: 6_680 },
      ],
      pending: [
        { currency: 'JPY', amount: 4_855 },
        { currency: 'USD', amount: 0 },
      ],
      reserved: [
        { currency: 'JPY', amount: 0 },
        { currency: 'USD', amount: 2_000 },
      ],
      livemode: false,
    });
  });

  it('shows a merchant only its own funds, and nothing to a merchant with none', async () => {
    const b = JSON.parse((await balances('mer_api_b')).body);
    expect(b.pending).toEqual([{ currency: 'KWD', amount: 7_777 - 226 - 100 }]);
    expect(JSON.parse((await balances('mer_api_nobody')).body)).toMatchObject({ available: [], pending: [], reserved: [] });
  });

  it('refuses query parameters it does not know', async () => {
    const response = await getBalance(
      apiGatewayEvent({ method: 'GET', resource: '/v1/balances', merchantId: 'mer_api_a', query: { currency: 'USD' } }),
      lambdaContext('xborder-get-balance'),
    );
    expect(response.statusCode).toBe(422);
  });
});

describe('GET /v1/balance_transactions', () => {
  it('lists lines newest first with type, source, amount, fee, net and status', async () => {
    const response = await lines('mer_api_a');
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ object: 'list', url: '/v1/balance_transactions', has_more: false });
    expect(body.data.map((line: Record<string, unknown>) => [line.type, line.source, line.amount, line.fee, line.net, line.currency, line.status])).toEqual([
      ['payout', 'po_a1', -2_000, 0, -2_000, 'USD', 'available'],
      ['refund', 're_a1', -1_000, 0, -1_000, 'USD', 'available'],
      ['payment', 'pay_a2', 5_000, 145, 4_855, 'JPY', 'pending'],
      ['payment', 'pay_a1', 10_000, 320, 9_680, 'USD', 'available'],
    ]);
    expect(body.data[0]).toEqual({
      id: expect.stringMatching(/^txn_[a-z2-7]{26}$/),
      object: 'balance_transaction',
      type: 'payout',
      source: 'po_a1',
      amount: -2_000,
      fee: 0,
      net: -2_000,
      currency: 'USD',
      status: 'available',
      available_on: expect.any(String),
      description: 'Payout po_a1',
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(body.data[2].available_on).toBeNull();
  });

  it('paginates with starting_after and refuses another merchant\'s line as a cursor', async () => {
    const all = JSON.parse((await lines('mer_api_a')).body).data as { id: string }[];
    const first = JSON.parse((await lines('mer_api_a', { limit: '2' })).body);
    expect(first.has_more).toBe(true);
    expect(first.data.map((line: { id: string }) => line.id)).toEqual(all.slice(0, 2).map((line) => line.id));
    const rest = JSON.parse((await lines('mer_api_a', { limit: '2', starting_after: first.data[1].id })).body);
    expect(rest).toMatchObject({ has_more: false });
    expect(rest.data.map((line: { id: string }) => line.id)).toEqual(all.slice(2).map((line) => line.id));

    const foreign = await lines('mer_api_b', { starting_after: all[0]?.id ?? '' });
    expect(foreign.statusCode).toBe(422);
    expect(JSON.parse(foreign.body).errors).toEqual([expect.objectContaining({ field: 'starting_after' })]);
    const b = JSON.parse((await lines('mer_api_b')).body);
    expect(b.data.map((line: { source: string }) => line.source)).toEqual(['pay_b1']);
  });
});
