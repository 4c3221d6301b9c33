import { readResponse } from '../../lambdas/adapters/http/operator-client';

/** A small HTTP client for e2e tests: real requests, raw bodies kept for byte-for-byte comparisons. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

export interface RequestOptions {
  readonly key?: string;
  readonly idempotencyKey?: string;
  readonly body?: unknown;
  /** Sent as-is instead of JSON-serializing `body`. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export const request = async (baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse> => {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.Authorization = `Bearer ${options.key}`;
  if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['Content-Type'] ??= 'application/json';
  return readResponse(await fetch(`${baseUrl}${path}`, { method, headers, body }));
};
