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
import { type ChannelEvent, ChannelEventNotYetApplicableError, recordChannelEvent } from '../../use-cases/record-channel-event';
import { secretValue } from '../../shared/config';

/**
 * POST /v1/channel_events/{channel}: an acquirer's webhook. Not a merchant route: authenticated by the
 * acquirer's HMAC signature over the exact raw body (several secrets accepted during rotation, 300 s
 * tolerance). Answers: 200 applied, ignored, or forwarded to the merchant's home region and applied there
 * (decision 0039); 401 bad signature; 404 unknown channel; 400 unreadable; 503 not yet applicable or a transient
 * failure (the acquirer retries with back-off).
 */
const header = (event: APIGatewayProxyEvent, name: string) =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

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
  let channelEvent: ChannelEvent;
  try {
    channelEvent = JSON.parse(payload) as ChannelEvent;
    if (typeof channelEvent.id !== 'string' || typeof channelEvent.type !== 'string' || typeof channelEvent.data?.object !== 'object') throw new Error('shape');
  } catch {
    return problemResponse(problem(400, 'invalid_json', 'The webhook body is not a channel event.'), requestId);
  }
  try {
    const forwardedFrom = header(event, FORWARDED_FROM_HEADER);
    const result = await recordChannelEvent(
      { channels: cardChannelDirectory(), ledger: ledgerPostingDeps(), expectations: reconciliationRepository(), forwarder: channelEventForwarder() },
      {
        channel,
        event: channelEvent,
        received: { payload, signature: header(event, ACQUIRER_SIGNATURE_HEADER) ?? '' },
        ...(forwardedFrom ? { forwardedFrom } : {}),
      },
    );
    logger.info('channel event recorded', {
      channel,
      event_id: channelEvent.id,
      event_type: channelEvent.type,
      outcome: result.outcome,
      payment_id: result.paymentId,
      ...(result.homeRegion ? { home_region: result.homeRegion } : {}),
      ...(forwardedFrom ? { forwarded_from: forwardedFrom } : {}),
    });
    return jsonResponse(200, { received: true, outcome: result.outcome }, requestId);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    logger.warn('channel event not applied yet', { channel, event_id: channelEvent.id, error_name: name });
    const detail = error instanceof ChannelEventNotYetApplicableError ? 'Not applicable yet; retry later.' : 'Temporarily unable to apply the event; retry later.';
    return problemResponse(problem(503, 'service_unavailable', detail), requestId);
  }
}).use(injectLambdaContext(logger));
