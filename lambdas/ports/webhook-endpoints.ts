import type { WebhookEndpoint } from '../domain/webhooks';

/** A merchant's webhook endpoints (lambdas/adapters/dynamodb/webhook-endpoint-repository.ts). */
export interface WebhookEndpointRepository {
  /**
   * Stores a new endpoint unless one with its id exists (then answers that one, unchanged); refuses with
   * WebhookEndpointLimitError when the merchant already has MAX_WEBHOOK_ENDPOINTS.
   */
  insert(endpoint: WebhookEndpoint): Promise<{ readonly created: boolean; readonly endpoint: WebhookEndpoint }>;
  get(merchantId: string, id: string, options?: { readonly consistent?: boolean }): Promise<WebhookEndpoint | undefined>;
  list(merchantId: string): Promise<readonly WebhookEndpoint[]>;
  /** Writes `next` over the version before it (StaleVersionError otherwise). */
  update(next: WebhookEndpoint): Promise<void>;
  /** Deletes it; false when there was none. */
  remove(merchantId: string, id: string): Promise<boolean>;
  /** Notes the start of a run of failures, unless one is already noted (one write per outage, not per failure). */
  markFailing(merchantId: string, id: string, since: string, failure: string): Promise<void>;
  /** Clears the failing mark after a success (only if set). */
  clearFailing(merchantId: string, id: string): Promise<void>;
  /** Disables it because it kept failing (only if still enabled and still failing since `failingSince`). */
  disableFailing(merchantId: string, id: string, at: string, failure: string): Promise<void>;
}
