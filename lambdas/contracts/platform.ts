import * as z from 'zod/mini';
import { cardChannelNames } from '../../platform/channels';
import type { RouteContract } from './common';

/** Routes that are not a merchant's own objects: acquirers' webhooks and the API's own description. */

/** The most events one acquirer webhook carries (decision 0054; the simulators' MAX_BATCH_EVENTS). */
export const MAX_CHANNEL_EVENTS_PER_WEBHOOK = 50;

/** One acquirer event; an item of the list that does not read as one is answered `rejected`, the others applied. */
export const channelEventSchema = z.looseObject({
  id: z.string().check(z.minLength(1), z.maxLength(255)),
  type: z.string().check(z.minLength(1), z.maxLength(100)),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
});

const channelEventList = <Item extends z.ZodMiniType>(item: Item) =>
  z.looseObject({
    object: z.literal('list'),
    data: z.array(item).check(z.minLength(1), z.maxLength(MAX_CHANNEL_EVENTS_PER_WEBHOOK)),
  });

/**
 * An acquirer's webhook as it signs it: always a list of events (decision 0054), one to fifty. The function
 * verifies the signature over the raw body before reading it, then the list (`channelEventEnvelope`: a body that
 * is not one is refused whole), then each item (`channelEventSchema`: an item that is not an event is rejected
 * alone).
 */
export const channelEventBody = channelEventList(channelEventSchema);
export const channelEventEnvelope = channelEventList(z.unknown());

/** What Pulse is answered once its webhook is applied. */
export const railCallbackReceiptSchema = z.strictObject({ received: z.literal(true) });

/** The outcome of each event of the list, in its order. `retry` asks the acquirer to send that event again. */
export const channelEventReceiptSchema = z.strictObject({
  received: z.literal(true),
  results: z.array(
    z.strictObject({
      id: z.optional(z.string()),
      outcome: z.enum(['applied', 'ignored', 'forwarded', 'rejected', 'retry']),
      reason: z.optional(z.string()),
    }),
  ),
});

/** The OpenAPI 3.1 document itself (https://spec.openapis.org/oas/v3.1.0). */
export const openApiDocumentSchema = z.looseObject({ openapi: z.string(), info: z.record(z.string(), z.unknown()), paths: z.record(z.string(), z.unknown()) });

export const platformSchemas = { ChannelEventReceipt: channelEventReceiptSchema };

export const platformContracts = {
  receiveChannelEvent: {
    tag: 'Acquirers',
    summary: "An acquirer's signed webhook: a list of events (settlements)",
    description:
      "Called by acquirers, not merchants: authenticated by the acquirer's HMAC-SHA256 signature over the raw body (`Acquirer-Signature`, 300 s tolerance), once for the whole list. The body is always a list of 1 to 50 events (`{\"object\":\"list\",\"data\":[...]}`, decision 0054); each event is applied on its own and answered in the list's order: `applied`, `ignored`, `forwarded` (its merchant's home region applied it, decision 0039), `rejected` (not an event: `reason` names the field; not worth sending again) or `retry` (send that event again later). 400 is a body that is not such a list, 401 a signature that does not verify (nothing applied).",
    path: { channel: z.enum(cardChannelNames as [string, ...string[]]) },
    headers: { 'Acquirer-Signature': { description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, several `v1` during a secret rotation', required: true } },
    body: channelEventBody,
    responses: { 200: { description: 'The outcome of each event of the list, in its order', schema: channelEventReceiptSchema } },
  },
  receivePayoutRailEvents: {
    tag: 'Payout rails',
    summary: "A payout rail's signed confirmation, rejection or return",
    description:
      "Called by the payout rails, not merchants: Keystone's SOAP notifications (`Keystone-Signature`) and Pulse's webhooks (`Pulse-Signature`), each an HMAC-SHA256 over the raw body with a 300 s tolerance, verified before anything in the body is read. Meridian answers in signed files over SFTP; a Meridian file reaches this route only as the platform's other region forwards it (for payouts of merchants homed here): the file's content as the body, its name in `Xborder-Rail-File-Name` and its detached Ed25519 signature in `Xborder-Rail-File-Signature` (without both, 404), verified with Meridian's pinned key. A message for payouts of merchants homed in the other region is forwarded there, with `Xborder-Forwarded-From`, and answered 200 only once that region took it. A message applied twice changes nothing; 400 is a message refused (unreadable), 401 a signature that does not verify, which a retry will not fix; 503 asks the rail to retry.",
    path: { channel: z.enum(['keystone', 'pulse', 'meridian']) },
    headers: {
      'Keystone-Signature': { description: 'Keystone: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`', required: false },
      'Pulse-Signature': { description: 'Pulse: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`', required: false },
      'Xborder-Rail-File-Name': { description: "Meridian, forwarded by the other region: the file's name (1 to 200 letters, digits, `.`, `_`, `-`)", required: false },
      'Xborder-Rail-File-Signature': { description: "Meridian, forwarded by the other region: the file's detached signature (base64 Ed25519 over the body)", required: false },
      'Xborder-Forwarded-From': { description: 'Set by the region that forwarded the message; a forwarded message is never forwarded again (it grants nothing)', required: false },
    },
    rawBody: {
      'text/xml': 'Keystone: a SOAP 1.1 envelope holding a PaymentStatusNotification',
      'application/json': 'Pulse: a payment event (payment.settled, payment.rejected, payment.returned)',
      'text/plain': "Meridian, forwarded: the file as the bank wrote it (an entry status report, a NACHA return, pain.002 or pacs.004)",
    },
    responses: {
      200: {
        description: "Applied (or already applied): the rail's acknowledgement, a SOAP envelope for Keystone, JSON for Pulse, `processed` for a Meridian file",
        schema: z.string(),
        mediaType: 'text/xml',
        alternatives: { 'application/json': railCallbackReceiptSchema, 'text/plain': z.string() },
      },
    },
  },
  getOpenApiDocument: {
    tag: 'Reference',
    summary: 'This API as an OpenAPI 3.1 document',
    description: 'Generated from the schemas the endpoints validate with (lambdas/contracts); needs no API key.',
    query: z.strictObject({}),
    responses: { 200: { description: 'The OpenAPI document', schema: openApiDocumentSchema } },
  },
} as const satisfies Record<string, RouteContract>;
