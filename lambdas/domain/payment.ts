import type { VaultedCard } from './card';

/**
 * A payment and the rules of its lifecycle. Amounts are integer minor units of `currency`.
 * Status meanings follow docs/api.md: `processing` until the saga reaches the channel's answer,
 * `requires_capture` for an authorized manual-capture payment, then a terminal status.
 */
export const PAYMENT_STATUSES = [
  'processing',
  'requires_capture',
  'succeeded',
  'canceled',
  'failed',
  'requires_attention',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const CAPTURE_METHODS = ['automatic', 'manual'] as const;
export type CaptureMethod = (typeof CAPTURE_METHODS)[number];

export interface CardPaymentMethod {
  readonly type: 'card';
  readonly card: VaultedCard;
}

export interface Payment {
  readonly id: string;
  readonly merchantId: string;
  readonly status: PaymentStatus;
  readonly amount: number;
  readonly currency: string;
  readonly amountCapturable: number;
  readonly amountReceived: number;
  readonly amountRefunded: number;
  readonly captureMethod: CaptureMethod;
  readonly paymentMethod: CardPaymentMethod;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly createdAt: string;
  /** Hash of the creating request (card data excluded): tells a retry from a reused Idempotency-Key. */
  readonly requestFingerprint: string;
}

export interface NewPayment {
  readonly id: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: string;
  readonly captureMethod: CaptureMethod;
  readonly card: VaultedCard;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly requestFingerprint: string;
  readonly now: Date;
}

/** A payment as created: nothing authorized, received or refunded yet. */
export const newPayment = (input: NewPayment): Payment => ({
  id: input.id,
  merchantId: input.merchantId,
  status: 'processing',
  amount: input.amount,
  currency: input.currency,
  amountCapturable: 0,
  amountReceived: 0,
  amountRefunded: 0,
  captureMethod: input.captureMethod,
  paymentMethod: { type: 'card', card: input.card },
  description: input.description,
  metadata: input.metadata,
  createdAt: input.now.toISOString(),
  requestFingerprint: input.requestFingerprint,
});
