import { ACQUIRER_SIGNATURE_HEADER } from '../channels/acquirer-webhook-signature';
import { type ChannelEventForwarder, FORWARDED_FROM_HEADER, type ForwardedChannelEvent } from '../../ports/channel-event-forwarder';

/**
 * Forwards over HTTPS to the other region's merchant API (its regional endpoint, not the failover name, which
 * could lead back here): `<base URL>/v1/channel_events/<channel>`. No redirect is followed; a network failure or a
 * timeout is an answer of 503 (the acquirer is told to retry). The base URLs are configuration (REGION_API_URLS):
 * only the deployment's own regions' endpoints, never a URL from the request.
 */
export class HttpChannelEventForwarder implements ChannelEventForwarder {
  constructor(
    private readonly baseUrls: Readonly<Record<string, string>>,
    private readonly fromRegion: string,
    private readonly timeoutMs = 8_000,
  ) {}

  async forward(region: string, channel: string, event: ForwardedChannelEvent): Promise<{ readonly status: number } | undefined> {
    const baseUrl = this.baseUrls[region];
    if (!baseUrl) return undefined;
    try {
      const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/v1/channel_events/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [ACQUIRER_SIGNATURE_HEADER]: event.signature, [FORWARDED_FROM_HEADER]: this.fromRegion },
        body: event.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status };
    } catch {
      return { status: 503 };
    }
  }
}
