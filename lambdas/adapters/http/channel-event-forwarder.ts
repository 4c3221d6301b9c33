import { ACQUIRER_SIGNATURE_HEADER } from '../channels/acquirer-webhook-signature';
import { type ChannelEventForwarder, FORWARDED_FROM_HEADER, type ForwardedChannelEvent, type ForwardedEventResult } from '../../ports/channel-event-forwarder';
import { postToRegionalApi } from './regional-api';

/**
 * Forwards over HTTPS to the other region's merchant API (adapters/http/regional-api.ts):
 * `<base URL>/v1/channel_events/<channel>`. The home's 200 carries `results`, one per event of the list in its
 * order (decision 0054); an answer without a readable list has no results (no event counts as taken).
 */
export class HttpChannelEventForwarder implements ChannelEventForwarder {
  constructor(
    private readonly baseUrls: Readonly<Record<string, string>>,
    private readonly fromRegion: string,
    private readonly timeoutMs = 8_000,
  ) {}

  async forward(region: string, channel: string, event: ForwardedChannelEvent): Promise<{ readonly status: number; readonly results?: readonly ForwardedEventResult[] } | undefined> {
    const answer = await postToRegionalApi(this.baseUrls, region, {
      path: `/v1/channel_events/${encodeURIComponent(channel)}`,
      headers: { 'Content-Type': 'application/json', [ACQUIRER_SIGNATURE_HEADER]: event.signature, [FORWARDED_FROM_HEADER]: this.fromRegion },
      body: event.payload,
      timeoutMs: this.timeoutMs,
    });
    if (!answer) return undefined;
    const results = readResults(answer.body);
    return results ? { status: answer.status, results } : { status: answer.status };
  }
}

const readResults = (body: string): ForwardedEventResult[] | undefined => {
  try {
    const results = (JSON.parse(body) as { results?: unknown }).results;
    if (!Array.isArray(results)) return undefined;
    return results.map((result: { id?: unknown; outcome?: unknown } | null) => ({
      ...(typeof result?.id === 'string' ? { id: result.id } : {}),
      outcome: typeof result?.outcome === 'string' ? result.outcome : 'unknown',
    }));
  } catch {
    return undefined;
  }
};
