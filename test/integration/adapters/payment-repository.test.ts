import { DynamoDbPaymentRepository } from '../../../lambdas/adapters/dynamodb/payment-repository';
import { type Payment, newPayment } from '../../../lambdas/domain/payment';
import { tableName } from '../../../platform/tables';
import { useIsolatedDynamoDb } from '../../support/dynamodb';

const payment = (merchantId: string, index: number, createdAt = new Date(Date.UTC(2026, 10, 21, 12, 0, index))): Payment =>
  newPayment({
    id: `pay_${merchantId}_${String(index).padStart(3, '0')}`,
    merchantId,
    amount: 100 + index,
    currency: 'USD',
    captureMethod: 'automatic',
    card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, token: `tok_${merchantId}_${index}`, fingerprint: 'v1.test' },
    description: null,
    metadata: { order: String(index) },
    requestFingerprint: `fp-${index}`,
    now: createdAt,
  });

describe('DynamoDbPaymentRepository (DynamoDB Local)', () => {
  let repository: DynamoDbPaymentRepository;

  beforeAll(async () => {
    const { documentClient } = await useIsolatedDynamoDb();
    repository = new DynamoDbPaymentRepository(documentClient, tableName('payments'));
  });

  it('stores a payment once: a second insert with the same id returns the first, unchanged', async () => {
    const first = payment('mer_once', 1);
    await expect(repository.insert(first)).resolves.toEqual({ created: true, payment: first });
    const second = { ...first, amount: 999, requestFingerprint: 'other' };
    await expect(repository.insert(second)).resolves.toEqual({ created: false, payment: first });
    await expect(repository.get(first.id)).resolves.toEqual(first);
  });

  it('lists a merchant\'s payments newest first, page by page, without gaps or repeats', async () => {
    const all = Array.from({ length: 25 }, (_, index) => payment('mer_list', index));
    await Promise.all(all.map((item) => repository.insert(item)));
    await repository.insert(payment('mer_other', 99));

    const seen: string[] = [];
    let after: Payment | undefined;
    const hasMoreFlags: boolean[] = [];
    do {
      const page = await repository.listByMerchant('mer_list', { limit: 10, after });
      seen.push(...page.payments.map((item) => item.id));
      hasMoreFlags.push(page.hasMore);
      after = page.hasMore ? page.payments.at(-1) : undefined;
    } while (after);

    expect(seen).toEqual(all.map((item) => item.id).reverse());
    expect(hasMoreFlags).toEqual([true, true, false]);
  });

  it('answers undefined for an unknown id', async () => {
    await expect(repository.get('pay_unknown')).resolves.toBeUndefined();
  });
});
