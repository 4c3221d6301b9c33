/**
 * How long the simulated acquirer takes to answer, drawn per request. Real acquirer latency is skewed:
 * most answers are quick, a few are slow (issuer round trips), which a log-normal captures.
 *   none       answer at once (fast tests)
 *   fixed      always `ms`
 *   uniform    evenly between `minMs` and `maxMs`
 *   lognormal  median `medianMs`, spread `sigma` (0.5 gives p99 ≈ 3.2 × median), capped at `maxMs`
 */
export type LatencyProfile =
  | { readonly kind: 'none' }
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number; readonly maxMs: number };

export const DEFAULT_LATENCY: LatencyProfile = { kind: 'uniform', minMs: 20, maxMs: 120 };

/** A standard normal deviate from two uniform ones (Box-Muller). */
const standardNormal = (random: () => number): number => {
  const u = 1 - random(); // (0, 1]: log(0) never happens
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};

/** One latency draw in whole milliseconds; `random` returns values in [0, 1). */
export const drawLatencyMs = (profile: LatencyProfile, random: () => number = Math.random): number => {
  switch (profile.kind) {
    case 'none':
      return 0;
    case 'fixed':
      return profile.ms;
    case 'uniform':
      return Math.round(profile.minMs + random() * (profile.maxMs - profile.minMs));
    case 'lognormal':
      return Math.min(profile.maxMs, Math.round(profile.medianMs * Math.exp(profile.sigma * standardNormal(random))));
  }
};
