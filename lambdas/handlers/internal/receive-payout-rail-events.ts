import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { PAYOUT_CHANNELS } from '../../domain/payouts/beneficiary';
import { FORWARDED_FROM_HEADER } from '../../ports/channel-event-forwarder';
import type { RailMessage } from '../../ports/payout-rail';
import { RAIL_FILE_NAME_HEADER, RAIL_FILE_NAME_PATTERN, RAIL_FILE_SIGNATURE_HEADER } from '../../ports/rail-message-forwarder';
import { problem, problemResponse } from '../../shared/http/problem';
import { reportRailMessageAnswer, reportRailMessageNotForwarded } from '../../shared/rail-message-report';
import { railMessageForwarding, railMessageParser } from '../../wiring/payout-rails';
import { logger, traceHandler } from '../../shared/powertools';
import { loadDeclaredSecrets } from '../../shared/secrets';
import { taskHandler } from '../../shared/task-handler';
import { type RailMessageAnswer, receiveRailMessage } from '../../use-cases/payouts/receive-rail-message';
import { workflows } from '../../wiring/payments';
import { payoutRepository } from '../../wiring/payouts';

/**
 * A message from a payout rail, read and applied by receiveRailMessage. Invoked two ways:
 * - by API Gateway, `POST /v1/rail_events/{channel}`: Keystone's SOAP notifications and Pulse's webhooks, in AWS
 *   and through the local runtime's API alike. Not a merchant route: the rail's HMAC signature over the raw body
 *   authenticates it (the channel's parser checks it before reading anything). Answers 200 with the rail's
 *   acknowledgement (SOAP for Keystone, JSON for Pulse), 401 for a signature that does not verify, 400 for a
 *   message that cannot be read (the rail's retry will not fix either; operations will), 503 when the payouts
 *   could not be updated, or a region that has some of its payouts did not take it (the rail retries), 404 for
 *   another channel. With the regions' API URLs (decision 0049), events of payouts whose merchant is homed in the
 *   other region are forwarded there (the whole message, once: a message that carries `Xborder-Forwarded-From`
 *   is never forwarded again). Meridian answers in signed files over SFTP, read by the scheduled
 *   `pullPayoutRailInbox`; the route takes a Meridian file only as the other region forwards one: the file's
 *   content as the body, its name and detached signature in `Xborder-Rail-File-Name` and
 *   `Xborder-Rail-File-Signature` (without both: 404, as for any other channel), authenticated by that signature;
 * - directly, `{channel, message}`, by the local runtime's payout-rail bridge for each file it reads from
 *   Meridian's inbox (in AWS the scheduled pull runs the same use case in its own function), and by an operator
 *   applying in its home region a file too large to forward (docs/runbooks.md, Meridian's inbox).
 */
/**
 * How long the handler waits for the payout workflow runs of one message: its timeout (platform/functions.ts) is
 * 30 s, and a forward to the other region afterwards may take up to 8 s (adapters/http/rail-message-forwarder.ts).
 */
const RUN_BUDGET_MS = 20_000;

const HTTP_RAILS = ['keystone', 'pulse'] as const;

const internalInput = z.object({
  channel: z.enum(PAYOUT_CHANNELS),
  message: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('file'), name: z.string(), content: z.string(), signature: z.optional(z.string()) }),
    z.object({ kind: z.literal('http'), headers: z.record(z.string(), z.string()), body: z.string() }),
  ]),
  /** The region the message was read in, when it applies here only this region's payouts (never forwarded on). */
  forwardedFrom: z.optional(z.string()),
});

const receive = async (channel: (typeof PAYOUT_CHANNELS)[number], message: RailMessage, forwardedFrom?: string): Promise<RailMessageAnswer> => {
  const forwarding = railMessageForwarding();
  const answer = await receiveRailMessage(
    {
      payouts: payoutRepository(),
      workflows: workflows(),
      parser: railMessageParser(channel),
      now: () => new Date(),
      deadline: Date.now() + RUN_BUDGET_MS,
      ...(forwarding ? { forwarding } : {}),
    },
    message,
    forwardedFrom === undefined ? {} : { forwardedFrom },
  );
  reportRailMessageAnswer(channel, answer, forwardedFrom);
  return answer;
};

/** The message the request carries for the channel, or a problem: 404 for a channel it cannot be, 400 for a bad file name. */
const messageOf = (
  channel: string | undefined,
  headers: Readonly<Record<string, string>>,
  body: string,
): { readonly channel: (typeof PAYOUT_CHANNELS)[number]; readonly message: RailMessage } | { readonly problem: ReturnType<typeof problem> } => {
  const http = HTTP_RAILS.find((rail) => rail === channel);
  if (http) return { channel: http, message: { kind: 'http', headers, body } };
  const name = headers[RAIL_FILE_NAME_HEADER.toLowerCase()];
  const signature = headers[RAIL_FILE_SIGNATURE_HEADER.toLowerCase()];
  if (channel === 'meridian' && name !== undefined && signature !== undefined) {
    if (!RAIL_FILE_NAME_PATTERN.test(name)) {
      return {
        problem: problem(400, 'rail_file_name_invalid', `${RAIL_FILE_NAME_HEADER} must be a file name of 1 to 200 letters, digits, '.', '_' and '-'.`, {
          errors: [{ field: RAIL_FILE_NAME_HEADER, message: 'must be 1 to 200 letters, digits, ".", "_" and "-", starting with a letter or digit' }],
        }),
      };
    }
    return { channel, message: { kind: 'file', name, content: body, signature } };
  }
  return { problem: problem(404, 'resource_not_found', `No such payout rail callback: '${channel ?? ''}'`) };
};

const fromBridge = taskHandler({
  step: 'receivePayoutRailEvents',
  input: internalInput,
  run: async (event) => {
    const answer = await receive(event.channel, event.message, event.forwardedFrom);
    return { status: answer.status, contentType: answer.contentType, body: answer.body, outcomes: answer.outcomes };
  },
});

const fromApi = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const requestId = event.requestContext.requestId;
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).flatMap(([name, value]) => (typeof value === 'string' ? [[name.toLowerCase(), value]] : [])));
  const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
  const received = messageOf(event.pathParameters?.channel, headers, body);
  if ('problem' in received) return problemResponse(received.problem, requestId);
  const { channel } = received;
  const forwardedFrom = headers[FORWARDED_FROM_HEADER.toLowerCase()];
  await loadDeclaredSecrets();
  let answer: RailMessageAnswer;
  try {
    answer = await receive(channel, received.message, forwardedFrom);
  } catch (error) {
    // A table or workflow that failed, a merchant being moved, a region that did not take its events: the rail
    // retries (both retry until they get a 2xx; a forwarded file stays in the other region's inbox), and applying
    // the message again changes nothing it already changed.
    const name = error instanceof Error ? error.name : 'Error';
    reportRailMessageNotForwarded(channel, error);
    logger.warn('rail message not applied yet', { channel, error_name: name, ...(forwardedFrom ? { forwarded_from: forwardedFrom } : {}) });
    const notYet = name === 'RailEventsNotYetApplicable' || name === 'RailMessageNotForwarded';
    return problemResponse(problem(503, 'service_unavailable', notYet ? 'Not applicable yet; retry later.' : 'Temporarily unable to apply the message; retry later.'), requestId);
  }
  if (answer.refusedAs === 'unauthenticated') return problemResponse(problem(401, 'unauthorized', 'The rail signature does not verify.'), requestId);
  if (answer.status !== 200) return problemResponse(problem(400, 'rail_message_refused', answer.refused ?? 'The message was refused.'), requestId);
  return { statusCode: 200, headers: { 'Content-Type': answer.contentType, 'Cache-Control': 'no-store', 'Request-Id': requestId }, body: answer.body };
})
  .use(injectLambdaContext(logger))
  .use(traceHandler());

const isApiGatewayEvent = (event: unknown): event is APIGatewayProxyEvent =>
  typeof event === 'object' && event !== null && 'httpMethod' in event && 'requestContext' in event;

export const handler = async (event: unknown, context: Context): Promise<unknown> =>
  isApiGatewayEvent(event) ? fromApi(event, context) : fromBridge(event as never, context);
