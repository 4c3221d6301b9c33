import type { ApiKeyRecord, Merchant } from '../../lambdas/domain/merchant';
import { StaleVersionError } from '../../lambdas/domain/errors';
import type { Payment } from '../../lambdas/domain/payment';
import type { PaymentEvent, Transition } from '../../lambdas/domain/payment-lifecycle';
import type { Refund } from '../../lambdas/domain/refund';
import type { MerchantRepository } from '../../lambdas/ports/merchant-repository';
import type { PaymentPage, PaymentRepository, WaitingTask } from '../../lambdas/ports/payment-repository';

/** Small fakes of the ports for use-case unit tests; the DynamoDB adapters have their own integration tests. */
export class InMemoryPaymentRepository implements PaymentRepository {
  readonly items = new Map<string, Payment>();
  readonly eventLog = new Map<string, PaymentEvent[]>();
  readonly refunds = new Map<string, Refund>();
  readonly tasks = new Map<string, WaitingTask>();

  async insert(payment: Payment, event: PaymentEvent) {
    const existing = this.items.get(payment.id);
    if (existing) return { created: false, payment: existing };
    this.items.set(payment.id, payment);
    this.eventLog.set(payment.id, [event]);
    return { created: true, payment };
  }

  async apply(transition: Transition, also: { waitingTask?: WaitingTask; newRefund?: Refund; refund?: { next: Refund; previousVersion: number } } = {}) {
    const current = this.items.get(transition.payment.id);
    if (!current || current.version !== transition.payment.version - 1) throw new StaleVersionError(transition.payment.id, transition.payment.version - 1);
    if (also.refund && this.refunds.get(also.refund.next.id)?.version !== also.refund.previousVersion) {
      throw new StaleVersionError(transition.payment.id, transition.payment.version - 1);
    }
    if (also.newRefund && this.refunds.has(also.newRefund.id)) throw new StaleVersionError(transition.payment.id, transition.payment.version - 1);
    this.items.set(transition.payment.id, transition.payment);
    this.eventLog.get(transition.payment.id)?.push(transition.event);
    if (also.waitingTask) this.tasks.set(`${transition.payment.id}#${also.waitingTask.purpose}`, also.waitingTask);
    if (also.newRefund) this.refunds.set(also.newRefund.id, also.newRefund);
    if (also.refund) this.refunds.set(also.refund.next.id, also.refund.next);
  }

  async events(paymentId: string) {
    return this.eventLog.get(paymentId) ?? [];
  }

  async waitingTask(paymentId: string, purpose: WaitingTask['purpose']) {
    return this.tasks.get(`${paymentId}#${purpose}`);
  }

  async getRefund(id: string) {
    return this.refunds.get(id);
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
