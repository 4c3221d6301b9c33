import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { powertoolsConfig } from './config';

/**
 * One logger, one metrics and one tracer per function instance. Service name and namespace come from
 * POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, which lib/ sets per function.
 * Nothing sensitive is ever passed to them: no request bodies, no card or bank data. An invocation writes
 * one INFO line at most (docs/operations.md, "Logs"): the API adapters' `request handled`, which carries
 * what the invocation did worth keeping (the audit anchor of a command, the operator who asked).
 */
/**
 * Powertools' record without what the log group already says: every function writes to its own group
 * (`/aws/lambda/<function>`), so the function's name, ARN and memory size, the sampling rate and the service
 * (the function's name again) would repeat it on every line. A query across groups reads the function from
 * Logs Insights' `@log` (the group of each record). Kept: level, message, time, the invocation's request id
 * and its X-Ray trace id, and `cold_start: true` on an instance's first invocation (a warm one says nothing).
 */
export class PlatformLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        // Only on an instance's first invocation: its absence says warm.
        cold_start: attributes.lambdaContext?.coldStart || undefined,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additionalLogAttributes);
  }
}

export const logger = new Logger({ serviceName: powertoolsConfig().serviceName, logFormatter: new PlatformLogFormatter() });
export const metrics = new Metrics({ namespace: powertoolsConfig().metricsNamespace });

/** Metrics of one API operation (one per handler module; the operation is a default dimension). */
export const endpointMetrics = (operation: string): Metrics =>
  new Metrics({ namespace: powertoolsConfig().metricsNamespace, defaultDimensions: { operation } });
export const tracer = new Tracer({ serviceName: powertoolsConfig().serviceName });

/**
 * The one way a handler is traced. Responses are never recorded: a response can hold a secret shown once
 * (a new API key) or personal data, and X-Ray keeps trace metadata readable by anyone with X-Ray access.
 * lib/ also sets POWERTOOLS_TRACER_CAPTURE_RESPONSE=false and POWERTOOLS_TRACER_CAPTURE_ERROR=false on every
 * function, so neither a handler's response nor an error's message and stack reach a trace by any path.
 */
export const traceHandler = () => captureLambdaHandler(tracer, { captureResponse: false });
