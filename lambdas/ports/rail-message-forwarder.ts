import type { PayoutChannel } from '../domain/payouts/beneficiary';
import type { RailMessage } from './payout-rail';

/**
 * Sends a payout rail's message on to the region where the merchant of some of its payouts is homed (decision
 * 0049, after 0039's acquirer webhooks): that region's own `POST /v1/rail_events/<channel>`, with the message
 * exactly as the rail signed it (the home region's parser checks the signature again) and the forwarded-from
 * header (ports/channel-event-forwarder.ts), so that it is never forwarded a second time.
 * - an HTTP callback (Keystone, Pulse): its body and the rail's own headers (signature, content type, SOAPAction);
 * - a file (Meridian): its content as the body, its name and detached signature in the two headers below.
 */
export interface RailMessageForwarder {
  /** The regions it can forward to (every region of the deployment but this one). */
  readonly regions: readonly string[];
  /** The home region's answer (its HTTP status), or undefined when no endpoint of that region is configured. */
  forward(region: string, channel: PayoutChannel, message: RailMessage): Promise<{ readonly status: number } | undefined>;
}

/** A rail file forwarded over HTTP: its name (for the logs and the answer; not signed) ... */
export const RAIL_FILE_NAME_HEADER = 'Xborder-Rail-File-Name';
/** ... and its detached signature (base64, the `.sig` beside it on the rail's server), which authenticates it. */
export const RAIL_FILE_SIGNATURE_HEADER = 'Xborder-Rail-File-Signature';

/** What a forwarded file's name may be: a plain file name, as the rails write them (no path, no spaces). */
export const RAIL_FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
