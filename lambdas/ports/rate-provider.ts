import type { Fraction } from '../domain/fx/decimal';

/**
 * Where mid-market rates come from. Locally (and until a market-data feed is contracted) the simulator in
 * adapters/fx/simulated-rate-provider.ts; in production an adapter over the liquidity provider's or a
 * market-data vendor's rates, behind the same interface.
 */
export interface MidRate {
  /** Units of `buyCurrency` per one unit of `sellCurrency`, exact. */
  readonly rate: Fraction;
  /** When the rate was observed (ISO 8601). */
  readonly asOf: string;
  /** Which source answered, for the quote's audit trail. */
  readonly source: string;
}

export interface RateProvider {
  /** Whether this source quotes the currency at all. */
  supports(currency: string): boolean;
  /** The mid rate at `at`. The caller checked `supports` for both currencies. */
  midRate(sellCurrency: string, buyCurrency: string, at: Date): Promise<MidRate>;
}
