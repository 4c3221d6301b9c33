import type { ApiKeyScope } from './api-key';
import { ROUTING_STRATEGIES, type RoutingStrategy } from './routing';
import type { RoutingRuleSet } from './routing-rules';
import { DomainError } from './errors';
import { PLATFORM_RISK_RULES, type RiskRuleSet } from './risk';

/** A merchant account and the records of its API keys (hashes only). */
export interface Merchant {
  readonly id: string;
  readonly name: string;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
  /** How the merchant's payments are routed; absent: the platform's defaults (`DEFAULT_MERCHANT_ROUTING`). */
  readonly routing?: Partial<MerchantRouting>;
  /**
   * The merchant's own payout limits per payout currency, set by an operator (risk appetite, contract), in
   * minor units; a currency absent, or a limit absent, keeps the platform's (domain/payouts/screening.ts).
   */
  readonly payoutLimits?: Readonly<Record<string, PayoutLimitOverride>>;
  /** The merchant's own risk rule set, its latest version; absent: the platform's (domain/risk.ts). */
  readonly riskRules?: StoredRiskRules;
  /** The merchant's routing rules, the version in force (domain/routing-rules.ts); absent: none set. */
  readonly routingRules?: StoredRoutingRules;
}

/** A routing rule set as stored: the version in force and when it was set. */
export interface StoredRoutingRules extends RoutingRuleSet {
  readonly setAt: string;
}

export interface StoredRiskRules extends RiskRuleSet {
  readonly setAt: string;
}

/** The risk rule set in force for a merchant: its own, or the platform's where it has set none. */
export const riskRulesOf = (merchant: Pick<Merchant, 'riskRules'> | undefined): RiskRuleSet => merchant?.riskRules ?? PLATFORM_RISK_RULES;

/**
 * A merchant's payout limits in one currency: `review`, the amount at or above which one payout waits for
 * an operator (a new beneficiary's limit is a fifth of it); `daily`, the merchant's total in the currency
 * over one UTC day above which payouts wait for an operator.
 */
export interface PayoutLimitOverride {
  readonly review?: number;
  readonly daily?: number;
}

/**
 * A merchant's routing settings. `failover`: a payment whose channel definitely did not authorize it moves
 * to the next channel of its plan (docs/decisions/0017-routing-health-and-failover.md).
 */
export interface MerchantRouting {
  readonly failover: boolean;
  /** How healthy channels are ordered (domain/routing.ts): `least_cost` (the default) or `success_rate`. */
  readonly strategy: RoutingStrategy;
  /** Under `success_rate`: the share of payments sent to a channel drawn at random, to keep measuring all. */
  readonly explorationShare: number;
  /** The merchant's routing rules in force, if any: a matching rule decides before the strategy. */
  readonly rules?: RoutingRuleSet;
}

export const DEFAULT_MERCHANT_ROUTING: MerchantRouting = { failover: true, strategy: 'least_cost', explorationShare: 0.1 };

/** The settings as stored on the profile, each missing or unusable one replaced by the platform's default. */
export const merchantRoutingOf = (stored: unknown): MerchantRouting => {
  const given = (stored && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  const share = given.explorationShare;
  return {
    failover: typeof given.failover === 'boolean' ? given.failover : DEFAULT_MERCHANT_ROUTING.failover,
    strategy: (ROUTING_STRATEGIES as readonly unknown[]).includes(given.strategy) ? (given.strategy as RoutingStrategy) : DEFAULT_MERCHANT_ROUTING.strategy,
    explorationShare: typeof share === 'number' && share >= 0 && share <= 1 ? share : DEFAULT_MERCHANT_ROUTING.explorationShare,
  };
};

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly merchantId: string;
  readonly secretHash: string;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
  /** A restricted key's scopes (`rk_test_`); absent for a secret key, which has them all. */
  readonly scopes?: readonly ApiKeyScope[];
  /** The merchant command that created it (its retries re-issue the secret of the same key, see createApiKey). */
  readonly createdByCommand?: string;
  readonly revokedAt?: string;
  /**
   * The command that revoked it (the merchant's Idempotency-Key, hashed; an operator's request id), so
   * that a retry of that same command recognises its own effect and records it (docs/decisions/0008).
   */
  readonly revokedByCommand?: string;
}

/** Who is calling, as established by the authorizer and handed to every merchant endpoint. */
export interface MerchantPrincipal {
  readonly merchantId: string;
  readonly keyId: string;
  /** A restricted key's scopes; absent for a secret key (every scope). */
  readonly scopes?: readonly ApiKeyScope[];
}

/** A restricted key asked for what its scopes do not allow (403; the authorizer refuses routes, this the rest). */
export class ApiKeyScopeError extends DomainError {
  override readonly name = 'ApiKeyScopeError';

  constructor(message: string) {
    super(message);
  }
}

/** A merchant already has its maximum of active keys: one must be revoked before another is created. */
export class ApiKeyLimitReachedError extends DomainError {
  override readonly name = 'ApiKeyLimitReachedError';

  constructor(readonly merchantId: string, readonly limit: number) {
    super(`A merchant may hold at most ${limit} active API keys. Revoke one before creating another.`);
  }
}

/** Revoking this key would leave the merchant without any active key (refused on the merchant API). */
export class LastActiveApiKeyError extends DomainError {
  override readonly name = 'LastActiveApiKeyError';

  constructor(readonly keyId: string) {
    super('This is the only active API key: create its successor first, then revoke it.');
  }
}

/** A key id that exists already (the command that derives it ran before). */
export class ApiKeyExistsError extends DomainError {
  override readonly name = 'ApiKeyExistsError';

  constructor(readonly keyId: string) {
    super(`API key ${keyId} exists already.`);
  }
}

/** Onboarding a merchant id that exists already. */
export class MerchantExistsError extends DomainError {
  override readonly name = 'MerchantExistsError';

  constructor(readonly merchantId: string) {
    super(`Merchant ${merchantId} already exists; issue it a key instead of onboarding it again.`);
  }
}
