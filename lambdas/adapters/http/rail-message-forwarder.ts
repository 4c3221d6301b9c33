import type { PayoutChannel } from '../../domain/payouts/beneficiary';
import { FORWARDED_FROM_HEADER } from '../../ports/channel-event-forwarder';
import type { RailMessage } from '../../ports/payout-rail';
import { RAIL_FILE_NAME_HEADER, RAIL_FILE_SIGNATURE_HEADER, type RailMessageForwarder } from '../../ports/rail-message-forwarder';
import { PULSE_SIGNATURE_HEADER } from '../rails/pulse-instant-rail';
import { KEYSTONE_SIGNATURE_HEADER } from '../rails/formats/keystone-soap';
import { postToRegionalApi } from './regional-api';

/**
 * The headers of a rail's HTTP callback that travel with it: what its parser reads (the signature), and what
 * describes the body (content type, Keystone's SOAPAction). Nothing else: not the caller's addresses, not
 * API Gateway's own headers.
 */
const RAIL_HEADERS = new Set(['content-type', 'soapaction', KEYSTONE_SIGNATURE_HEADER.toLowerCase(), PULSE_SIGNATURE_HEADER.toLowerCase()]);

/** The headers of a rail's callback that travel with its body when it is passed on (here, and by the local bridge). */
export const railHeadersOf = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => RAIL_HEADERS.has(name.toLowerCase())));

/**
 * Forwards a payout rail's message over HTTPS to the other region's merchant API (adapters/http/regional-api.ts):
 * `<base URL>/v1/rail_events/<channel>`, the body exactly as received; a file's name and signature in the
 * `Xborder-Rail-File-*` headers (ports/rail-message-forwarder.ts).
 */
export class HttpRailMessageForwarder implements RailMessageForwarder {
  constructor(
    private readonly baseUrls: Readonly<Record<string, string>>,
    private readonly fromRegion: string,
    private readonly timeoutMs = 8_000,
  ) {}

  get regions(): readonly string[] {
    return Object.keys(this.baseUrls);
  }

  async forward(region: string, channel: PayoutChannel, message: RailMessage): Promise<{ readonly status: number } | undefined> {
    const headers: Record<string, string> =
      message.kind === 'http'
        ? railHeadersOf(message.headers)
        : {
            'Content-Type': 'text/plain; charset=utf-8',
            [RAIL_FILE_NAME_HEADER]: message.name,
            ...(message.signature === undefined ? {} : { [RAIL_FILE_SIGNATURE_HEADER]: message.signature.trim() }),
          };
    const answer = await postToRegionalApi(this.baseUrls, region, {
      path: `/v1/rail_events/${encodeURIComponent(channel)}`,
      headers: { ...headers, [FORWARDED_FROM_HEADER]: this.fromRegion },
      body: message.kind === 'http' ? message.body : message.content,
      timeoutMs: this.timeoutMs,
    });
    return answer && { status: answer.status };
  }
}
