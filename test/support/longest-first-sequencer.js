import testSequencer from '@jest/test-sequencer';

// A CommonJS module whose class is its `default` export.
const TestSequencer = testSequencer.default ?? testSequencer;

/**
 * Jest's order (failed first, then longest first by the last run's times kept in its cache, then larger
 * files first), with the suites known to take minutes first of all: on a fresh clone (CI) there are no
 * times, and a minutes-long suite started last on one worker would leave the other idle at the end.
 * Longest first is what keeps the two workers (jest.config.js `maxWorkers`) busy to the end.
 */
const KNOWN_LONG = [
  'test/e2e/drill-smoke.test.ts',
  'test/e2e/bench-smoke.test.ts',
  'test/infra/cdk-synth.test.ts',
  'test/e2e/runtime-lifecycle.test.ts',
];

const rank = (test) => {
  const index = KNOWN_LONG.findIndex((suffix) => test.path.endsWith(suffix));
  return index === -1 ? KNOWN_LONG.length : index;
};

export default class LongestFirstSequencer extends TestSequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
