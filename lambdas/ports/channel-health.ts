import type { BreakerTransition, ChannelHealthView } from '../domain/channel-health';

/**
 * The card channels' shared health (domain/channel-health.ts): read by routing, fed by the steps that
 * call the channels. Cheap on purpose: reads are cached for about a second per function instance, and
 * outcomes are counted in memory and sent to the shared record in one batch every few seconds, never one
 * write per payment (docs/decisions/0017-routing-health-and-failover.md).
 */
export interface ChannelHealth {
  /** Each channel's health as recently read; a channel never seen is healthy (closed). */
  views(channels: readonly string[]): Promise<ReadonlyMap<string, ChannelHealthView>>;
  /** Count one answer (or silence) of a channel. `ok`: it answered (a decline is an answer). */
  record(channel: string, outcome: { readonly ok: boolean; readonly latencyMs: number }): void;
  /**
   * Send the counted outcomes when a batch is due (or at once with `force`), and move a breaker whose
   * counts call for it. Never throws: health is advisory, a payment never fails for it.
   */
  flush(options?: { readonly force?: boolean }): Promise<readonly BreakerTransition[]>;
}
