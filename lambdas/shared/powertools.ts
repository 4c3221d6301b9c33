import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

/**
 * One logger, one metrics and one tracer per function instance. Service name and namespace come from
 * POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, which lib/ sets per function.
 * Nothing sensitive is ever passed to them: no request bodies, no card or bank data.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'xborder' });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'xborder' });

/** Metrics of one API operation (one per handler module; the operation is a default dimension). */
export const endpointMetrics = (operation: string): Metrics =>
  new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'xborder', defaultDimensions: { operation } });
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'xborder' });

/**
 * The one way a handler is traced. Responses are never recorded: a response can hold a secret shown once
 * (a new API key) or personal data, and X-Ray keeps trace metadata readable by anyone with X-Ray access.
 * lib/ also sets POWERTOOLS_TRACER_CAPTURE_RESPONSE=false and POWERTOOLS_TRACER_CAPTURE_ERROR=false on every
 * function, so neither a handler's response nor an error's message and stack reach a trace by any path.
 */
export const traceHandler = () => captureLambdaHandler(tracer, { captureResponse: false });
