import { StaleVersionError } from '../../../lambdas/domain/errors';
import { OPTIMISTIC_ATTEMPTS, withOptimisticRetry } from '../../../lambdas/use-cases/optimistic';

/** The one optimistic-concurrency loop (lambdas/use-cases/optimistic.ts): a stale write runs the whole cycle again. */
const stale = () => new StaleVersionError('pay_1', 3);

it('runs the cycle again from the read while the write finds the object changed, then answers', async () => {
  // Prepare: two stale writes, then a good one
  const attempts: number[] = [];
  // Act
  const answer = await withOptimisticRetry(async (attempt) => {
    attempts.push(attempt);
    if (attempt < 3) throw stale();
    return 'written';
  });
  // Assess
  expect(answer).toBe('written');
  expect(attempts).toEqual([1, 2, 3]);
});

it(`gives up after ${OPTIMISTIC_ATTEMPTS} stale writes with the last StaleVersionError`, async () => {
  let attempts = 0;
  await expect(
    withOptimisticRetry(async () => {
      attempts += 1;
      throw stale();
    }),
  ).rejects.toBeInstanceOf(StaleVersionError);
  expect(attempts).toBe(OPTIMISTIC_ATTEMPTS);
});

it('lets any other error through at once', async () => {
  let attempts = 0;
  await expect(
    withOptimisticRetry(async () => {
      attempts += 1;
      throw new RangeError('not allowed');
    }),
  ).rejects.toThrow('not allowed');
  expect(attempts).toBe(1);
});
