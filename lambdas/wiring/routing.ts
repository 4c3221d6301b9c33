import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbChannelHealth } from '../adapters/dynamodb/channel-health-store';
import { type MerchantRouting, merchantRoutingOf } from '../domain/merchant';
import type { ChannelHealth } from '../ports/channel-health';
import { dynamoDbDocumentClient } from '../shared/clients';
import { tableNameFromEnv } from '../shared/config';
import { cachedMerchantProfile } from './merchant-profile';
import { logger, metrics } from '../shared/powertools';

/**
 * What routing reads and feeds, built once per function instance: the channels' shared health
 * (adapters/dynamodb/channel-health-store.ts) and the merchants' routing settings, each cached briefly so
 * a payment pays no extra round trip on the hot path (docs/decisions/0017-routing-health-and-failover.md).
 */
let health: ChannelHealth | undefined;

export const channelHealth = (): ChannelHealth => {
  health ??= new DynamoDbChannelHealth(dynamoDbDocumentClient(), tableNameFromEnv('channelHealth'), {
    onTransition: (channel, transition) => {
      logger.warn('circuit breaker changed', { channel, breaker: transition.to, reason: transition.reason });
      if (transition.to === 'open') metrics.singleMetric().addMetric('ChannelCircuitOpened', MetricUnit.Count, 1);
    },
    onError: (error) => logger.warn('channel health unavailable', { error: error instanceof Error ? error.name : String(error) }),
  });
  return health;
};

/** A merchant's routing settings and rules in force, from its cached profile (./merchant-profile.ts: a change applies within 30 s). */
export const merchantRouting = async (merchantId: string): Promise<MerchantRouting> => {
  const merchant = await cachedMerchantProfile(merchantId);
  return { ...merchantRoutingOf(merchant?.routing), ...(merchant?.routingRules ? { rules: merchant.routingRules } : {}) };
};
