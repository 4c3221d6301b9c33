import { faultTimeline, scaledScheduleSeconds } from '../../../bench/drills/webhook-delivery';
import { RETRY_SCHEDULE_SECONDS, requestTimeoutMs } from '../../../lambdas/domain/webhooks';

/** The webhook_delivery drill's timeline and waiting bound (the drill itself: test/e2e/drill-smoke.test.ts). */
it('puts every fault phase once between two phases of good answers, in an order the seed decides', () => {
  const timeline = faultTimeline(3, 1500);
  expect(timeline.map((entry) => entry.phase)[0]).toBe('ok');
  expect(timeline.at(-1)?.phase).toBe('ok');
  expect(timeline.slice(1, -1).map((entry) => entry.phase).sort()).toEqual(['down', 'error_500', 'hang', 'slow', 'slow_past_timeout']);
  expect(timeline.every((entry) => entry.ms === 1500)).toBe(true);
  expect(faultTimeline(3, 1500)).toEqual(timeline);
  const orders = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => faultTimeline(seed, 1).map((entry) => entry.phase).join()));
  expect(orders.size).toBeGreaterThan(1);
});

it('waits at most the whole retry schedule at the time scale, with delays in whole seconds', () => {
  expect(scaledScheduleSeconds(1)).toBe(RETRY_SCHEDULE_SECONDS.reduce<number>((sum, delay) => sum + delay, 0));
  // 5 s, 300 s, 1,800 s... at 0.001: 1, 1, 2, 8, 18, then 36 six times.
  expect(scaledScheduleSeconds(0.001)).toBe(1 + 1 + 2 + 8 + 18 + 36 * 6);
  expect(requestTimeoutMs(0.001)).toBe(1000);
  expect(requestTimeoutMs(1)).toBe(15_000);
});
