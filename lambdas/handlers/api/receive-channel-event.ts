import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { cardChannelNames } from '../../../platform/channels';
import { ACQUIRER_SIGNATURE_HEADER, InvalidWebhookSignatureError, verifyAcquirerWebhook } from '../../adapters/channels/acquirer-webhook-signature';
import { channelEnvPrefix } from '../../adapters/channels/http-card-acquirer';
import { jsonResponse, problem, problemResponse } from '../../shared/http/problem';
import { ledgerPostingDeps } from '../../wiring/ledger';
import { cardChannelDirectory, channelEventForwarder } from '../../wiring/payments';
import { FORWARDED_FROM_HEADER } from '../../ports/channel-event-forwarder';
import { reconciliationRepository } from '../../wiring/reconciliation';
import { logger } from '../../shared/powertools';
import { loadDeclaredSecrets } from '../../shared/secrets';
import { type ChannelEvent, type ChannelEventOutcome, type MalformedChannelEvent, recordChannelEvents } from '../../use-cases/record-channel-event';
import { channelEventEnvelope, channelEventSchema } from '../../contracts/platform';
import { fieldErrors } from '../../shared/http/validation';
import { secretValue } from '../../shared/config';

/**
 * POST /v1/channel_events/{channel}: an acquirer's webhook, a list of events (decision 0054). Not a merchant route:
 * authenticated by the acquirer's HMAC signature over the exact raw body, once for the whole list (several
 * secrets accepted during rotation, 300 s tolerance). Answers: 200 with each event's outcome in the list's order
 * (applied, ignored, forwarded to the merchant's home region and taken there, rejected, or retry: decisions 0039
 * and 0054); 401 bad signature (nothing read); 404 unknown channel; 400 a body that is not a list of 1 to 50 items.
 * An item that is not an event is rejected alone; an event that cannot be applied now is `retry` alone.
 */
const header = (event: APIGatewayProxyEvent, name: string) =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

/** Each item of the list as an event, or the reason it is not one (the first field at fault). */
const readItem = (item: unknown): ChannelEvent | MalformedChannelEvent => {
  const parsed = channelEventSchema.safeParse(item);
  if (parsed.success) return parsed.data as ChannelEvent;
  const id = item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
  const [first] = fieldErrors(parsed.error, item);
  return { ...(typeof id === 'string' && id.length > 0 && id.length <= 255 ? { id } : {}), malformed: first ? `${first.field || 'event'} ${first.message}` : 'not an event' };
};

export const handler = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const requestId = event.requestContext.requestId;
  const channel = event.pathParameters?.channel ?? '';
  if (!(cardChannelNames as readonly string[]).includes(channel)) {
    return problemResponse(problem(404, 'resource_not_found', `No such channel: '${channel}'`), requestId);
  }
  await loadDeclaredSecrets();
  const payload = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
  try {
    verifyAcquirerWebhook({
      payload,
      header: header(event, ACQUIRER_SIGNATURE_HEADER),
      secrets: (secretValue(`${channelEnvPrefix(channel)}_WEBHOOK_SECRET`) ?? '').split(',').filter(Boolean),
      now: new Date(),
    });
  } catch (error) {
    if (!(error instanceof InvalidWebhookSignatureError)) throw error;
    logger.warn('channel event refused', { channel, reason: error.message });
    return problemResponse(problem(401, 'unauthorized', 'The webhook signature does not verify.'), requestId);
  }
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return problemResponse(problem(400, 'invalid_json', 'The webhook body is not JSON.'), requestId);
  }
  const envelope = channelEventEnvelope.safeParse(body);
  if (!envelope.success) {
    return problemResponse(
      problem(400, 'invalid_request', 'The webhook body is not a list of 1 to 50 events.', { errors: fieldErrors(envelope.error, body) }),
      requestId,
    );
  }
  const forwardedFrom = header(event, FORWARDED_FROM_HEADER);
  const results = await recordChannelEvents(
    { channels: cardChannelDirectory(), ledger: ledgerPostingDeps(), expectations: reconciliationRepository(), forwarder: channelEventForwarder() },
    {
      channel,
      events: envelope.data.data.map(readItem),
      received: { payload, signature: header(event, ACQUIRER_SIGNATURE_HEADER) ?? '' },
      ...(forwardedFrom ? { forwardedFrom } : {}),
    },
  );
  const outcomes: Partial<Record<ChannelEventOutcome, number>> = {};
  for (const result of results) {
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
    // In a forwarded list, the forwarding region's own events are its business: not a warning here.
    const theirs = forwardedFrom !== undefined && result.reason === 'homed_elsewhere';
    if ((result.outcome === 'retry' && !theirs) || result.outcome === 'rejected') {
      logger.warn(result.outcome === 'retry' ? 'channel event not applied yet' : 'channel event rejected', {
        channel,
        event_id: result.id,
        reason: result.reason,
        ...(result.errorName ? { error_name: result.errorName } : {}),
        ...(result.paymentId ? { payment_id: result.paymentId } : {}),
        ...(result.homeRegion ? { home_region: result.homeRegion } : {}),
      });
    }
  }
  logger.info('channel events recorded', { channel, events: results.length, outcomes, ...(forwardedFrom ? { forwarded_from: forwardedFrom } : {}) });
  return jsonResponse(
    200,
    { received: true, results: results.map(({ id, outcome, reason }) => ({ ...(id === undefined ? {} : { id }), outcome, ...(reason === undefined ? {} : { reason }) })) },
    requestId,
  );
}).use(injectLambdaContext(logger));
