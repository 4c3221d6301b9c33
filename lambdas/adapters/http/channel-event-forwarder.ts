import { ACQUIRER_SIGNATURE_HEADER } from '../channels/acquirer-webhook-signature';
import { type ChannelEventForwarder, FORWARDED_FROM_HEADER, type ForwardedChannelEvent } from '../../ports/channel-event-forwarder';
import { postToRegionalApi } from './regional-api';

/**
 * Forwards over HTTPS to the other region's merchant API (adapters/http/regional-api.ts):
 * `<base URL>/v1/channel_events/<channel>`.
 */
export class HttpChannelEventForwarder implements ChannelEventForwarder {
  constructor(
    private readonly baseUrls: Readonly<Record<string, string>>,
    private readonly fromRegion: string,
    private readonly timeoutMs = 8_000,
  ) {}

  forward(region: string, channel: string, event: ForwardedChannelEvent): Promise<{ readonly status: number } | undefined> {
    return postToRegionalApi(this.baseUrls, region, {
      path: `/v1/channel_events/${encodeURIComponent(channel)}`,
      headers: { 'Content-Type': 'application/json', [ACQUIRER_SIGNATURE_HEADER]: event.signature, [FORWARDED_FROM_HEADER]: this.fromRegion },
      body: event.payload,
      timeoutMs: this.timeoutMs,
    });
  }
}
