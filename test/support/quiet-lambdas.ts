/**
 * Runs before every test file (jest `setupFiles`), before its imports: the handler modules a test imports
 * build their Powertools logger, metrics and tracer at load time from these variables, so they are set
 * here rather than in a `beforeAll` that runs too late for statically imported modules. A test that wants
 * the logs sets POWERTOOLS_LOG_LEVEL itself before importing; the e2e runtime (a child process) is
 * configured by its own flags.
 */
Object.assign(process.env, {
  POWERTOOLS_LOG_LEVEL: process.env.XBORDER_TEST_LOG_LEVEL ?? 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  // Tracing is off: no X-Ray SDK context tracking on every promise of the test process (local/tracing-off.ts).
  AWS_XRAY_MANUAL_MODE: process.env.AWS_XRAY_MANUAL_MODE ?? 'true',
});
