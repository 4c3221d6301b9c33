import { StaleVersionError } from '../domain/errors';

/** Read-decide-write cycles a change gets before a StaleVersionError is left to fail it (its caller's retries take over). */
export const OPTIMISTIC_ATTEMPTS = 5;

/**
 * Optimistic concurrency, the one way every use case does it: `cycle` reads an object, decides, and writes
 * only over the version it read (the repository throws StaleVersionError when the object changed since); on
 * that error the whole cycle runs again, from the read, up to OPTIMISTIC_ATTEMPTS times. Any other error, and
 * the last StaleVersionError, go to the caller. `cycle` gets the attempt number (1 first): a caller that
 * already holds a fresh read uses it on attempt 1 only.
 */
export const withOptimisticRetry = async <T>(cycle: (attempt: number) => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await cycle(attempt);
    } catch (error) {
      if (!(error instanceof StaleVersionError) || attempt >= OPTIMISTIC_ATTEMPTS) throw error;
    }
  }
};
