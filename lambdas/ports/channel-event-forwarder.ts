/**
 * Sends an acquirer's webhook on to the region where its merchant's ledger is written (decision 0039): the other
 * region's own channel-events endpoint, with the acquirer's exact body and signature (the home region verifies
 * them itself), marked as forwarded so that it is never forwarded again.
 */
export interface ForwardedChannelEvent {
  /** The webhook's body exactly as the acquirer signed it. */
  readonly payload: string;
  /** The acquirer's signature header, as received. */
  readonly signature: string;
}

export interface ChannelEventForwarder {
  /** The home region's answer (its HTTP status), or undefined when no endpoint of that region is configured. */
  forward(region: string, channel: string, event: ForwardedChannelEvent): Promise<{ readonly status: number } | undefined>;
}

/** The header a forwarded webhook carries, naming the region that forwarded it (a second forward is refused). */
export const FORWARDED_FROM_HEADER = 'Xborder-Forwarded-From';
