/**
 * Four suites, one runner: `npm test` runs them all (after `tsc --noEmit`); `npm run test:<suite>` one.
 *   unit         domain rules and use cases, no I/O
 *   integration  handlers and repositories against DynamoDB Local (started once for the suite)
 *   infra        CDK assertions on the synthesized templates
 *   e2e          real HTTP against `npm start` in a child process
 * Native ESM (the project is "type": "module"); TypeScript is transformed by SWC.
 */
const base = {
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/quiet-lambdas.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023', experimental: { keepImportAttributes: true } }, module: { type: 'es6' }, sourceMaps: 'inline' },
    ],
  },
};

export default {
  // Per-project testTimeout is ignored by jest; DynamoDB Local and child processes need more than 5 s.
  testTimeout: 60_000,
  // Two test files at a time, also on two cores (jest's default there is one, in band): most suites wait on
  // child processes (DynamoDB Local, runtimes, the bench's and drills' platforms, esbuild, cfn-guard) or
  // sleep for part of their time, and one file's wait is the other's CPU. Integration files each have
  // their own DynamoDB namespace (their own access key); e2e files pay with merchants of their own, or with a
  // demo merchant whose lists they do not count (payments-api.test.ts alone pages Northwind's).
  maxWorkers: 2,
  // The minutes-long suites first (test/support/longest-first-sequencer.js).
  testSequencer: '<rootDir>/test/support/longest-first-sequencer.js',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    {
      ...base,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
    },
  ],
};
