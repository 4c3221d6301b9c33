import { fromDecimalAmount } from '../../../lambdas/adapters/rails/amounts';
import { fundMerchant } from '../../support/funds';
import { type PayoutPlatform, startPayoutPlatform } from '../../support/payout-platform';

/**
 * Unknown outcomes at the rail (issue 13, item 1), end to end: the simulated banks TAKE the payment and then
 * the answer is lost (a 502 or 504 from a proxy, a 429, a SOAP Server fault, "key in use" while the first
 * request is still processed, silence past the client's timeout), more times than any retry lasts. A payout
 * whose answer is unknown is never released: the platform asks the bank what it holds under the payout's
 * key (or takes its confirmation when that comes first) and settles what the bank paid. Checked: no payout
 * paid at a bank ends failed with its funds released (`paid_and_released` = 0), each bank holds exactly one
 * payment per payout, and the money the banks paid per currency equals the ledger's paid payouts.
 * Today's code released these (after 5 retries the saga went to ReleaseFailed while the bank paid).
 */
let platform: PayoutPlatform;

beforeAll(async () => {
  platform = await startPayoutPlatform({ railTimeoutMs: 400 });
}, 60_000);
afterAll(() => platform.stop());

afterEach(async () => {
  expect((await platform.verify()).differences).toEqual([]);
});

const beneficiaries = {
  brazil: { name: 'Ana Souza', entity_type: 'individual', country: 'BR', currency: 'BRL', bank_account: { rail: 'pix', pix_key: '52998224725' } },
  mexico: { name: 'Talleres Norte SA de CV', entity_type: 'company', country: 'MX', currency: 'MXN', bank_account: { rail: 'spei', clabe: '032180000118359719' } },
  canada: { name: 'Maple Leaf Supplies Inc.', entity_type: 'company', country: 'CA', currency: 'CAD', bank_account: { rail: 'eft_ca', institution_number: '004', transit_number: '12345', account_number: '9876543210' } },
} as const;

const merchantId = 'mer_po_ambiguity';
const payoutIds: string[] = [];

const pay = async (kind: keyof typeof beneficiaries, reference: string, amount = 1_500) => {
  const currency = beneficiaries[kind].currency;
  await fundMerchant(platform.ledger, merchantId, amount * 2, currency);
  const beneficiary = await platform.call('createBeneficiary', { method: 'POST', resource: '/v1/beneficiaries', merchantId, body: beneficiaries[kind] });
  const created = await platform.call('createPayout', { method: 'POST', resource: '/v1/payouts', merchantId, body: { beneficiary_id: beneficiary.body.id, amount, currency, reference } });
  expect(created.status).toBe(201);
  // Whatever the bank answered, the merchant never hears "failed" for a payment the bank may hold.
  expect(created.body.status).not.toBe('failed');
  payoutIds.push(created.body.id);
  return created.body.id as string;
};

const atRail = (id: string) => {
  const pulse = platform.rails.pulse.payments().filter((payment) => payment.idempotencyKey === id);
  const keystone = platform.rails.keystone.payments().filter((payment) => payment.messageId === id);
  return [...pulse, ...keystone];
};

describe('the bank took the payment and its answer was lost', () => {
  it.each([
    ['a 502 from a proxy, 9 times (PIX at Pulse)', 'brazil', 'sim:ambiguous:502:9'],
    ['a 504, 9 times (PIX at Pulse)', 'brazil', 'sim:ambiguous:504:9'],
    ['"key in use" for 4 s (SPEI at Pulse)', 'mexico', 'sim:in-use:4000'],
    ['silence past the timeout, 3 times (PIX at Pulse)', 'brazil', 'sim:ambiguous:hang:3'],
    ['a SOAP Server fault, 9 times (EFT at Keystone)', 'canada', 'sim:ambiguous:fault:9'],
    ['a 429, 9 times (EFT at Keystone)', 'canada', 'sim:ambiguous:429:9'],
  ] as const)('%s: paid once, never released', async (_case, kind, reference) => {
    const id = await pay(kind, reference);
    const paid = await platform.waitForPayout(merchantId, id, ['paid', 'failed', 'canceled'], 60_000);
    expect(paid).toMatchObject({ status: 'paid', failure_code: null });
    expect(atRail(id)).toHaveLength(1);
    expect(await platform.stored(id)).toMatchObject({ funds: 'paid', inFlightSince: null });
    expect(await platform.balance(merchantId, beneficiaries[kind].currency)).toMatchObject({ reserved: 0 });
  });

  it('asks the bank when it never confirms (a Server fault, then silence): taken, so the payout waits for the confirmation with its funds reserved', async () => {
    const id = await pay('canada', 'sim:ambiguous:fault:9 sim:silent');
    const deadline = Date.now() + 30_000;
    let stored = await platform.stored(id);
    while (stored?.waiting !== 'confirmation' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stored = await platform.stored(id);
    }
    expect(stored).toMatchObject({ status: 'processing', railStatus: 'received', waiting: 'confirmation', funds: 'reserved', failure: null, inFlightSince: null });
    expect(atRail(id)).toEqual([expect.objectContaining({ status: 'RECEIVED' })]);
    expect(await platform.balance(merchantId, 'CAD')).toMatchObject({ reserved: 1_500 });
  });
});

it('leaves no payout paid at a bank with its funds released, and the banks paid exactly what the ledger paid, per currency', async () => {
  const paidAndReleased: string[] = [];
  const ledgerPaid = new Map<string, number>();
  for (const id of payoutIds) {
    const payout = await platform.stored(id);
    if (!payout) throw new Error(`${id} missing`);
    const bankPaid = atRail(id).some((payment) => payment.status === 'settled' || payment.status === 'SETTLED');
    if (bankPaid && payout.funds === 'released') paidAndReleased.push(id);
    if (payout.status === 'paid') ledgerPaid.set(payout.currency, (ledgerPaid.get(payout.currency) ?? 0) + payout.amount);
  }
  const railPaid = new Map<string, number>();
  for (const payment of [...platform.rails.pulse.payments(), ...platform.rails.keystone.payments()]) {
    if (payment.status !== 'settled' && payment.status !== 'SETTLED') continue;
    railPaid.set(payment.currency, (railPaid.get(payment.currency) ?? 0) + fromDecimalAmount(payment.amount, payment.currency));
  }
  expect(paidAndReleased).toEqual([]);
  expect(Object.fromEntries(railPaid)).toEqual(Object.fromEntries(ledgerPaid));
  expect(ledgerPaid.size).toBe(3);
});
