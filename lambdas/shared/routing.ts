import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbChannelHealth } from '../adapters/dynamodb/channel-health-store';
import { DynamoDbMerchantRepository } from '../adapters/dynamodb/merchant-repository';
import { type MerchantRouting, merchantRoutingOf } from '../domain/merchant';
import type { ChannelHealth } from '../ports/channel-health';
import { dynamoDbDocumentClient } from './clients';
import { tableNameFromEnv } from './config';
import { logger, metrics } from './powertools';

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

const SETTINGS_CACHE_MS = 30_000;
const settings = new Map<string, { readonly routing: MerchantRouting; readonly readAt: number }>();
let merchants: DynamoDbMerchantRepository | undefined;

/** A merchant's routing settings and rules in force, read at most every 30 s per instance (a change applies within that). */
export const merchantRouting = async (merchantId: string): Promise<MerchantRouting> => {
  const cached = settings.get(merchantId);
  if (cached && Date.now() - cached.readAt < SETTINGS_CACHE_MS) return cached.routing;
  merchants ??= new DynamoDbMerchantRepository(dynamoDbDocumentClient(), tableNameFromEnv('merchants'));
  const merchant = await merchants.getMerchant(merchantId);
  const routing = { ...merchantRoutingOf(merchant?.routing), ...(merchant?.routingRules ? { rules: merchant.routingRules } : {}) };
  settings.set(merchantId, { routing, readAt: Date.now() });
  return routing;
};
