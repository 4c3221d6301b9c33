import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalApiGateway, operatorApiDefinition, startApiGateway } from '../../local/api-gateway';
import type { MetricStore } from '../../local/cloudwatch';
import { type OperatorCredentials, ensureOperatorCredentials } from '../../local/iam/operators';
import { type OperatorResponse, operatorRequest } from '../../lambdas/adapters/http/operator-client';
import { LambdaHost } from '../../local/lambda-host';
import { type LocalSqs, startLocalSqs } from '../../local/sqs';
import type { OperatorRole } from '../../platform/operator-routes';
import { merchantApiName } from '../../platform/routes';

/**
 * The merchant and operator APIs served in this test process by the local API Gateway emulator, over real
 * sockets, with the declared handler modules (the environment must already point at the test's DynamoDB
 * namespace and KMS). Requests go through the real merchant authorizer and the real SigV4 check.
 */
export interface LocalApis {
  readonly merchantUrl: string;
  readonly operatorUrl: string;
  readonly operators: readonly OperatorCredentials[];
  readonly lambdas: LambdaHost;
  /** A signed operator API request as the given role. */
  asOperator(role: OperatorRole, method: 'GET' | 'POST', path: string, options?: { query?: Record<string, string | number | undefined>; body?: unknown; headers?: Record<string, string> }): Promise<OperatorResponse>;
  stop(): Promise<void>;
}

export const startLocalApis = async (
  options: {
    readonly authorizerCacheSeconds?: number;
    /** The local CloudWatch's store, given the merchant API's per-method metrics and Lambda's errors (as `npm start` does). */
    readonly metrics?: MetricStore;
    /** More principals the operator API accepts beside the operators (an MCP function's role: local/iam/operators.ts). */
    readonly principals?: readonly OperatorCredentials[];
  } = {},
): Promise<LocalApis> => {
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-apis-'));
  const lambdas = new LambdaHost(join(import.meta.dirname, '..', '..'));
  lambdas.metrics = options.metrics;
  const operators = ensureOperatorCredentials(join(stateDir, 'operators.json'));
  const onFunctionError = (key: string, error: unknown) => console.error(`function ${key} failed`, error);
  // The webhook delivery queue, which the redeliver endpoint needs to load (unless the test brought its own).
  let sqs: LocalSqs | undefined;
  if (!process.env.AWS_ENDPOINT_URL_SQS) {
    sqs = await startLocalSqs({ store: ':memory:', invoke: (key, event) => lambdas.invoke(key, event) });
    Object.assign(process.env, sqs.environment, { AWS_ENDPOINT_URL_SQS: sqs.url });
  }
  const merchant: LocalApiGateway = await startApiGateway({
    host: lambdas,
    port: 0,
    onFunctionError,
    authorizerCacheSeconds: options.authorizerCacheSeconds,
    metrics: options.metrics ? { store: options.metrics, apiName: merchantApiName() } : undefined,
  });
  const operator: LocalApiGateway = await startApiGateway({ host: lambdas, port: 0, api: operatorApiDefinition([...operators, ...(options.principals ?? [])]), onFunctionError });
  return {
    merchantUrl: merchant.url,
    operatorUrl: operator.url,
    operators,
    lambdas,
    asOperator: (role, method, path, options = {}) => {
      const credentials = operators.find((entry) => entry.role === role) as OperatorCredentials;
      return operatorRequest({
        baseUrl: operator.url,
        credentials: { accessKeyId: credentials.access_key_id, secretAccessKey: credentials.secret_access_key },
        method,
        path,
        query: options.query,
        body: options.body,
        headers: options.headers,
      });
    },
    stop: async () => {
      await merchant.stop();
      await operator.stop();
      if (sqs) {
        await sqs.stop();
        // Test files share a worker's environment: the next one must not find a queue that is gone.
        for (const name of ['AWS_ENDPOINT_URL_SQS', ...Object.keys(sqs.environment)]) delete process.env[name];
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
};
