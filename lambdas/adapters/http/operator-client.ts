import { deployment } from '../../../platform/deployment';
import { type AwsCredentials, signRequest } from './sigv4';

/**
 * A request to the operator API signed with SigV4 (service execute-api), the one way every client sends
 * it: the CLI (`npm run ops`), the MCP server (`npm run mcp`, and the MCP function in AWS with its execution
 * role's credentials, docs/decisions/0045-mcp-server-in-aws.md) and the tests; to the local emulator with
 * locally issued credentials, or to AWS with an operator role's session. Bodies are never logged here.
 */

/** Where an operator API client sends its signed requests, and with which credentials. */
export interface OperatorTarget {
  readonly baseUrl: string;
  readonly credentials: AwsCredentials;
  readonly region: string;
}

export interface OperatorResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

export interface OperatorRequest {
  readonly baseUrl: string;
  readonly credentials: AwsCredentials;
  readonly method: 'GET' | 'POST';
  /** Path below the base URL, e.g. `/v1/merchants/mer_1`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly region?: string;
  /** More headers to send, signed with the rest (e.g. Operator-Agent). */
  readonly headers?: Readonly<Record<string, string>>;
}

export const operatorRequest = async (request: OperatorRequest): Promise<OperatorResponse> => {
  const url = new URL(request.baseUrl.replace(/\/$/, '') + request.path);
  for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
  const body = request.body === undefined ? '' : JSON.stringify(request.body);
  const headers: Record<string, string> = { ...request.headers, host: url.host, ...(body ? { 'content-type': 'application/json' } : {}) };
  const signed = signRequest(
    { method: request.method, path: url.pathname, query: url.search.slice(1), headers, body },
    request.credentials,
    { region: request.region ?? deployment.primaryRegion, service: 'execute-api' },
  );
  const { host: _host, ...sent } = headers; // fetch sets Host itself, to the same value
  return readResponse(await fetch(url, { method: request.method, headers: { ...sent, ...signed }, body: body || undefined }));
};

/** An HTTP answer with its body kept as text (byte-for-byte comparisons) and, when it is JSON, parsed. */
export const readResponse = async (response: Response): Promise<OperatorResponse> => {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
};
