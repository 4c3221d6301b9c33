import type { CreatePaymentCommand } from '../../lambdas/use-cases/create-payment';

/**
 * A create-payment command as the merchant API hands it to the use case (validated, card data included), for
 * use-case unit tests: an automatic USD card payment of merchant `mer_a` under key `order-1`; `overrides` set
 * the amount, currency, capture method, card or anything else.
 */
export const createPaymentCommand = (overrides: Partial<CreatePaymentCommand> = {}): CreatePaymentCommand => ({
  merchantId: 'mer_a',
  idempotencyKey: 'order-1',
  requestFingerprint: 'fp-1',
  amount: 1999,
  currency: 'USD',
  captureMethod: 'automatic',
  card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' },
  description: null,
  metadata: {},
  ...overrides,
});
