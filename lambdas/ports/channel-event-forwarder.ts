/**
 * Sends an acquirer's webhook (a list of events, decision 0054) on to a region where merchants of some of its
 * events have their ledger written (decision 0039): that region's own channel-events endpoint, with the
 * acquirer's exact body and signature (the home region verifies them itself and applies the events homed there),
 * marked as forwarded so that it is never forwarded again.
 */
export interface ForwardedChannelEvent {
  /** The webhook's whole body exactly as the acquirer signed it. */
  readonly payload: string;
  /** The acquirer's signature header, as received. */
  readonly signature: string;
}

/** The home region's word on one event of the list, at that event's position. */
export interface ForwardedEventResult {
  readonly id?: string;
  readonly outcome: string;
}

export interface ChannelEventForwarder {
  /**
   * The home region's answer: its HTTP status and, when it answered a readable list, its outcome per event in the
   * body's order; undefined when no endpoint of that region is configured.
   */
  forward(region: string, channel: string, event: ForwardedChannelEvent): Promise<{ readonly status: number; readonly results?: readonly ForwardedEventResult[] } | undefined>;
}

/** The header a forwarded webhook carries, naming the region that forwarded it (a second forward is refused). */
export const FORWARDED_FROM_HEADER = 'Xborder-Forwarded-From';
