import { drawLatencyMs } from '../../../local/simulators/card-acquirer/latency';

/** Latency draws with a scripted random source. */
const scripted = (...values: number[]) => {
  let index = 0;
  return () => values[index++ % values.length] as number;
};

it('answers at once with no latency, and always the same with a fixed one', () => {
  expect(drawLatencyMs({ kind: 'none' })).toBe(0);
  expect(drawLatencyMs({ kind: 'fixed', ms: 35 })).toBe(35);
});

it('spans the uniform range from its minimum to its maximum', () => {
  const profile = { kind: 'uniform', minMs: 20, maxMs: 120 } as const;
  expect(drawLatencyMs(profile, scripted(0))).toBe(20);
  expect(drawLatencyMs(profile, scripted(0.5))).toBe(70);
  expect(drawLatencyMs(profile, scripted(0.999_999))).toBe(120);
});

it('centres the log-normal on its median and caps its tail', () => {
  const profile = { kind: 'lognormal', medianMs: 70, sigma: 0.5, maxMs: 1_500 } as const;
  // u = 0.5, v = 0.25: cos(π/2) = 0, a zero deviate → exactly the median.
  expect(drawLatencyMs(profile, scripted(0.5, 0.25))).toBe(70);
  // v = 0: the largest deviate this u gives, sqrt(-2 ln 0.5) ≈ 1.18 → 70 · e^0.59 ≈ 126.
  expect(drawLatencyMs(profile, scripted(0.5, 0))).toBe(126);
  // u = 1e-6: a deviate of about 5.3 → 70 · e^2.63 ≈ 969, over a 500 ms cap.
  expect(drawLatencyMs(profile, scripted(0.999_999, 0))).toBe(969);
  expect(drawLatencyMs({ ...profile, maxMs: 500 }, scripted(0.999_999, 0))).toBe(500);
});
