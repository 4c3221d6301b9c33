import type { AttemptResult } from '../domain/webhooks';

/**
 * A unit of delivery work: some events of one page for one endpoint (the queue's message body, kept small:
 * the events themselves are read from their page).
 */
export interface DeliveryTask {
  readonly merchantId: string;
  readonly endpointId: string;
  readonly pageKey: string;
  /** Indexes of the page's events to send. */
  readonly indexes: readonly number[];
  /** 1-based attempt number. */
  readonly attempt: number;
  readonly kind: 'webhook' | 'redelivery';
  /** Not before this time (epoch ms): a task received earlier waits again. */
  readonly dueMs: number;
  /** The table whose change made the events (for cost attribution in the benchmark only). */
  readonly source: string;
  /** A redelivery's own id (derived from the merchant's request), naming its delivery record. */
  readonly redeliveryId?: string;
}

/** The delivery queue (SQS in AWS, local/sqs locally). */
export interface DeliveryQueue {
  /** Enqueues tasks, each visible after `delaySeconds` (at most 900: longer waits are taken again on receipt). */
  enqueue(tasks: readonly { readonly task: DeliveryTask; readonly delaySeconds: number }[]): Promise<void>;
  /** Hides a received task for `seconds` more (one not due yet: a queue delays only up to 15 minutes). */
  postpone(receiptHandle: string, seconds: number): Promise<void>;
}

export interface SignedRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

/** Sends one webhook request (lambdas/adapters/http/webhook-sender.ts). Never throws: a failure is a result. */
export interface WebhookSender {
  send(request: SignedRequest): Promise<AttemptResult>;
}

/** Turns an endpoint's stored secret ciphertexts into secrets that sign (and makes new ones). */
export interface WebhookSecretBox {
  /** A new secret (`whsec_` + base64 of 32 random bytes) and its ciphertext for the endpoint and version. */
  create(merchantId: string, endpointId: string, version: number): Promise<{ readonly secret: string; readonly ciphertext: Uint8Array }>;
  /** The secret of a stored ciphertext. */
  open(merchantId: string, endpointId: string, version: number, ciphertext: Uint8Array): Promise<string>;
}
