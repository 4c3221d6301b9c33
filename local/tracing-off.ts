/**
 * Imported first by every entry point that runs the handler modules in one local process (`npm start`,
 * `npm run bench`, `npm run drill`; jest's setup file does the same for the suites), before any module
 * loads the Powertools tracer.
 *
 * Tracing is off locally (POWERTOOLS_TRACE_ENABLED=false: there is no X-Ray daemon), but the X-Ray SDK the
 * tracer imports still starts in its automatic mode at load: a cls-hooked namespace whose async_hooks
 * `init`/`destroy` hooks run for every promise and callback of the process, and it cannot be turned off
 * afterwards (destroying the namespace leaves the hook enabled). In AWS that bookkeeping runs inside each
 * traced function's own sandbox; here it ran for the whole runtime (the API Gateway emulator, the Step
 * Functions engine, the simulators, the bench's counting proxy): 6-8 % of the bench's Node CPU, measured with
 * `--cpu-prof` (docs/benchmarks.md, "Where the local CPU goes"). Manual mode is the SDK's own switch for
 * "no automatic context": nothing reads that context while tracing is off.
 */
process.env.AWS_XRAY_MANUAL_MODE ??= 'true';

export {};
