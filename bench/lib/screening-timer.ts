import { PerformanceObserver } from 'node:perf_hooks';
import { SCREENING_DECISION_MEASURE } from '../../lambdas/use-cases/payment-saga/screen-payment';

/**
 * What risk and routing add to each payment, measured directly: the Screen step's User Timing measure
 * (lambdas/use-cases/payment-saga/screen-payment.ts), observed in this process, where the local Lambda host
 * runs the handlers. `take()` hands over the durations (ms) seen since the last take.
 */
export const observeScreeningDecisions = () => {
  const samples: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntriesByName(SCREENING_DECISION_MEASURE)) samples.push(entry.duration);
  });
  observer.observe({ type: 'measure' });
  return {
    take: (): number[] => samples.splice(0),
    stop: () => observer.disconnect(),
  };
};
