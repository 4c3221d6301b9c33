import type { AuditTarget } from '../../domain/audit';
import type { EndpointResult } from './merchant-endpoint';

/**
 * What a command endpoint's handler returns besides status and body: the change to record in the audit
 * log, and fields to show in this response only.
 */
export interface AuditedChange {
  /** The object changed: its public type (`payment`, `api_key`, `refund`...) and id. */
  readonly target: AuditTarget;
  /**
   * Its public JSON (what the API returns for it) before and after this request; null before = created by
   * it. Public JSON never holds card numbers, CVCs or bank account numbers, so neither does the log.
   */
  readonly before: unknown;
  readonly after: unknown;
}

export interface CommandResult extends EndpointResult {
  /**
   * Set whenever this request's effect is in place: when it just happened, and also when a retry of the
   * same command (same Idempotency-Key) finds it done by the earlier attempt that crashed before
   * answering; left out when the request changed nothing. The endpoint appends one audit entry per
   * returned change, so an action is recorded at least once and never zero times.
   */
  readonly change?: AuditedChange;
  /**
   * Fields merged into this response's body only, never stored for idempotent replay (a secret shown
   * once). A replay answers without them.
   */
  readonly once?: Readonly<Record<string, unknown>>;
}

/** The stored response with the once-only fields added to its JSON body. */
export const withOnceFields = <Response extends { body: string }>(response: Response, once: Readonly<Record<string, unknown>>): Response => ({
  ...response,
  body: JSON.stringify({ ...(JSON.parse(response.body) as Record<string, unknown>), ...once }),
});
