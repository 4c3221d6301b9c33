import { createHash } from 'node:crypto';
import { type Decimal, type Fraction, divide, fraction, parseDecimal, toFraction } from '../../domain/fx/decimal';
import type { MidRate, RateProvider } from '../../ports/rate-provider';
import checkedIn from './mid-rates.json' with { type: 'json' };

/**
 * The local FX rate source: the checked-in mid rates (mid-rates.json, units per USD) moving within
 * bounds over time, deterministically, so a test can compute the rate any instant will show.
 *
 * Each currency's rate against USD is multiplied by (1 + drift), drift in parts per million:
 *   - at every knot (every `knot_seconds` since the epoch) the drift is a value in [−bound, +bound] drawn
 *     from SHA-256(seed, currency, knot index) (uniform, integer ppm);
 *   - between knots it moves linearly from one knot's value to the next.
 * So it never leaves ±bound_ppm, moves continuously, and is the same for every process with the same seed.
 * A cross rate A→B is rate(B) / rate(A); USD itself does not drift. Exact fractions throughout.
 */
export interface DriftSettings {
  readonly seed: string;
  readonly boundPpm: number;
  readonly knotSeconds: number;
}

export interface RateTable {
  readonly base: string;
  readonly asOf: string;
  readonly rates: Readonly<Record<string, Decimal>>;
  readonly drift: DriftSettings;
}

export const CHECKED_IN_RATES: RateTable = {
  base: checkedIn.base,
  asOf: checkedIn.as_of,
  rates: Object.fromEntries(Object.entries(checkedIn.rates).map(([currency, text]) => [currency, parseDecimal(text)])),
  drift: { seed: checkedIn.drift.seed, boundPpm: checkedIn.drift.bound_ppm, knotSeconds: checkedIn.drift.knot_seconds },
};

const PPM = 1_000_000n;

/** The drift at one knot, integer ppm in [−bound, +bound]. */
export const knotDriftPpm = (drift: DriftSettings, currency: string, knot: bigint): bigint => {
  const digest = createHash('sha256').update(`${drift.seed}\u0000${currency}\u0000${knot}`).digest();
  const span = BigInt(2 * drift.boundPpm + 1);
  return (digest.readBigUInt64BE(0) % span) - BigInt(drift.boundPpm);
};

/** The drift of a currency at an instant, as an exact fraction of ppm. */
export const driftPpmAt = (drift: DriftSettings, currency: string, epochMs: number): Fraction => {
  const period = BigInt(drift.knotSeconds) * 1_000n;
  const at = BigInt(epochMs);
  const knot = at / period;
  const into = at - knot * period;
  const from = knotDriftPpm(drift, currency, knot);
  const to = knotDriftPpm(drift, currency, knot + 1n);
  return fraction(from * period + (to - from) * into, period);
};

export class SimulatedRateProvider implements RateProvider {
  constructor(private readonly table: RateTable = CHECKED_IN_RATES) {
    if (this.table.drift.boundPpm < 0 || this.table.drift.boundPpm >= 1_000_000 || this.table.drift.knotSeconds < 1) {
      throw new RangeError('Drift bound must be 0..999,999 ppm and knots at least 1 s apart');
    }
  }

  supports(currency: string): boolean {
    return Object.hasOwn(this.table.rates, currency);
  }

  /** Units of `currency` per one base unit (USD) at an instant. */
  ratePerBase(currency: string, at: Date): Fraction {
    const base = this.table.rates[currency];
    if (!base) throw new RangeError(`No rate for ${currency}`);
    if (currency === this.table.base) return toFraction(base);
    const drift = driftPpmAt(this.table.drift, currency, at.getTime());
    // base × (1 + drift/1e6) = base × (1e6·d + n) / (1e6·d) for drift = n/d
    const multiplier = fraction(PPM * drift.denominator + drift.numerator, PPM * drift.denominator);
    const exact = toFraction(base);
    return fraction(exact.numerator * multiplier.numerator, exact.denominator * multiplier.denominator);
  }

  async midRate(sellCurrency: string, buyCurrency: string, at: Date): Promise<MidRate> {
    return {
      rate: divide(this.ratePerBase(buyCurrency, at), this.ratePerBase(sellCurrency, at)),
      asOf: at.toISOString(),
      source: `simulator:${this.table.drift.seed}`,
    };
  }
}
