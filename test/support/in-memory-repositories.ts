import type { ApiKeyRecord, Merchant } from '../../lambdas/domain/merchant';
import type { Payment } from '../../lambdas/domain/payment';
import type { MerchantRepository } from '../../lambdas/ports/merchant-repository';
import type { PaymentPage, PaymentRepository } from '../../lambdas/ports/payment-repository';

/** Small fakes of the ports for use-case unit tests; the DynamoDB adapters have their own integration tests. */
export class InMemoryPaymentRepository implements PaymentRepository {
  readonly items = new Map<string, Payment>();

  async insert(payment: Payment) {
    const existing = this.items.get(payment.id);
    if (existing) return { created: false, payment: existing };
    this.items.set(payment.id, payment);
    return { created: true, payment };
  }

  async get(id: string) {
    return this.items.get(id);
  }

  async listByMerchant(merchantId: string, page: { limit: number; after?: Payment }): Promise<PaymentPage> {
    const key = (payment: Payment) => `${payment.createdAt}#${payment.id}`;
    const all = [...this.items.values()]
      .filter((payment) => payment.merchantId === merchantId)
      .sort((a, b) => (key(a) < key(b) ? 1 : -1))
      .filter((payment) => !page.after || key(payment) < key(page.after));
    return { payments: all.slice(0, page.limit), hasMore: all.length > page.limit };
  }
}

export class InMemoryMerchantRepository implements MerchantRepository {
  readonly merchants = new Map<string, Merchant>();
  readonly keys = new Map<string, ApiKeyRecord>();

  async insertMerchant(merchant: Merchant) {
    const existing = this.merchants.get(merchant.id);
    if (existing) return existing;
    this.merchants.set(merchant.id, merchant);
    return merchant;
  }

  async getMerchant(id: string) {
    return this.merchants.get(id);
  }

  async insertApiKey(record: ApiKeyRecord) {
    if (this.keys.has(record.keyId)) throw new Error('duplicate key id');
    this.keys.set(record.keyId, record);
  }

  async getApiKey(keyId: string) {
    return this.keys.get(keyId);
  }
}
