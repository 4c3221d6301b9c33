import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { PAYOUT_CHANNELS } from '../../domain/payouts/beneficiary';
import type { RailMessage } from '../../ports/payout-rail';
import { problem, problemResponse } from '../../shared/http/problem';
import { reportRailMessageAnswer } from '../../shared/rail-message-report';
import { railMessageParser } from '../../wiring/payout-rails';
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
 *   could not be updated (the rail retries), 404 for another channel (Meridian answers
 *   in signed files over SFTP, read by the scheduled `pullPayoutRailInbox`);
 * - directly, `{channel, message}`, by the local runtime's payout-rail bridge for each file it reads from
 *   Meridian's inbox (in AWS the scheduled pull runs the same use case in its own function).
 */
/** How long the handler waits for the payout workflow runs of one message (its timeout, platform/functions.ts, is 30 s). */
const RUN_BUDGET_MS = 24_000;

const HTTP_RAILS = ['keystone', 'pulse'] as const;

const internalInput = z.object({
  channel: z.enum(PAYOUT_CHANNELS),
  message: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('file'), name: z.string(), content: z.string(), signature: z.optional(z.string()) }),
    z.object({ kind: z.literal('http'), headers: z.record(z.string(), z.string()), body: z.string() }),
  ]),
});

const receive = async (channel: (typeof PAYOUT_CHANNELS)[number], message: RailMessage): Promise<RailMessageAnswer> => {
  const answer = await receiveRailMessage(
    { payouts: payoutRepository(), workflows: workflows(), parser: railMessageParser(channel), now: () => new Date(), deadline: Date.now() + RUN_BUDGET_MS },
    message,
  );
  reportRailMessageAnswer(channel, answer);
  return answer;
};

const fromBridge = taskHandler({
  step: 'receivePayoutRailEvents',
  input: internalInput,
  run: async (event) => {
    const answer = await receive(event.channel, event.message);
    return { status: answer.status, contentType: answer.contentType, body: answer.body, outcomes: answer.outcomes };
  },
});

const fromApi = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const requestId = event.requestContext.requestId;
  const channel = HTTP_RAILS.find((rail) => rail === event.pathParameters?.channel);
  if (!channel) return problemResponse(problem(404, 'resource_not_found', `No such payout rail callback: '${event.pathParameters?.channel ?? ''}'`), requestId);
  await loadDeclaredSecrets();
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).flatMap(([name, value]) => (typeof value === 'string' ? [[name.toLowerCase(), value]] : [])));
  const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
  let answer: RailMessageAnswer;
  try {
    answer = await receive(channel, { kind: 'http', headers, body });
  } catch (error) {
    // A table or workflow that failed: the rail retries (both retry until they get a 2xx), and applying the
    // message again changes nothing it already changed.
    logger.warn('rail callback not applied yet', { channel, error_name: error instanceof Error ? error.name : 'Error' });
    return problemResponse(problem(503, 'service_unavailable', 'Temporarily unable to apply the message; retry later.'), requestId);
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
