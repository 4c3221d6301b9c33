import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html),
 * both sides: the operator API's clients sign their requests (the CLI, the MCP server as a process and as
 * the Lambda function behind its function URL, docs/decisions/0045-mcp-server-in-aws.md), and the local API
 * Gateway emulator verifies them the way API Gateway's IAM authorization does. Here, in lambdas/, because a
 * function signs with it too (Lambda bundles may hold only lambdas/ and platform/ source). Written on
 * node:crypto because the project has no direct dependency that exposes a signer (the SDK's is an internal
 * package), and both sides must agree byte for byte; test/unit/adapters/http/sigv4.test.ts checks it
 * against AWS's published example.
 */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignableRequest {
  readonly method: string;
  /** Path as sent, already percent-encoded (`/v1/merchants/mer_1`). */
  readonly path: string;
  /** Raw query string without `?` (may be empty). */
  readonly query: string;
  /** Header names in any case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface SigningScope {
  readonly region: string;
  readonly service: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

const encodeRfc3986 = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);

/** Each segment encoded again (non-S3 services sign the already-encoded path, encoded once more). */
const canonicalUri = (path: string): string => (path === '' ? '/' : path.split('/').map(encodeRfc3986).join('/'));

const canonicalQuery = (query: string): string =>
  query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [name = '', value = ''] = pair.split(/=(.*)/s);
      const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
      return [encodeRfc3986(decode(name)), encodeRfc3986(decode(value))] as const;
    })
    .sort(([nameA, valueA], [nameB, valueB]) => (nameA === nameB ? (valueA < valueB ? -1 : valueA > valueB ? 1 : 0) : nameA < nameB ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');

const lowerCaseHeaders = (headers: Readonly<Record<string, string>>): Map<string, string> =>
  new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, ' ')]));

/** `20150830T123600Z` */
export const amzDate = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

const signature = (
  request: SignableRequest,
  signedHeaders: readonly string[],
  secretAccessKey: string,
  date: string,
  scope: SigningScope,
): string => {
  const headers = lowerCaseHeaders(request.headers);
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    `${signedHeaders.map((name) => `${name}:${headers.get(name) ?? ''}`).join('\n')}\n`,
    signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
  const day = date.slice(0, 8);
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, date, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), scope.region), scope.service), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
};

/** The headers to add to a request (x-amz-date, the session token if any, Authorization); every given header is signed. */
export const signRequest = (request: SignableRequest, credentials: AwsCredentials, scope: SigningScope, now = new Date()): Record<string, string> => {
  const date = amzDate(now);
  const added: Record<string, string> = { 'x-amz-date': date };
  if (credentials.sessionToken) added['x-amz-security-token'] = credentials.sessionToken;
  const headers = { ...request.headers, ...added };
  const signedHeaders = [...lowerCaseHeaders(headers).keys()].sort();
  const value = signature({ ...request, headers }, signedHeaders, credentials.secretAccessKey, date, scope);
  return {
    ...added,
    Authorization: `${ALGORITHM} Credential=${credentials.accessKeyId}/${date.slice(0, 8)}/${scope.region}/${scope.service}/aws4_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${value}`,
  };
};

export type VerificationFailure = 'missing' | 'malformed' | 'unknown_key' | 'bad_signature' | 'expired';

export type Verification = { readonly ok: true; readonly accessKeyId: string } | { readonly ok: false; readonly failure: VerificationFailure };

const AUTHORIZATION_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** Requests signed more than this long before or after now are refused, as AWS does. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Check a signed request as API Gateway's IAM authorization does: well-formed Authorization header, scope
 * of this region and service, a fresh x-amz-date, a known access key, and the same signature recomputed
 * over the request as received (compared in constant time).
 */
export const verifyRequest = (
  request: SignableRequest,
  secretOf: (accessKeyId: string) => string | undefined,
  scope: SigningScope,
  now = new Date(),
): Verification => {
  const headers = lowerCaseHeaders(request.headers);
  const authorization = headers.get('authorization');
  if (!authorization) return { ok: false, failure: 'missing' };
  const match = AUTHORIZATION_PATTERN.exec(authorization);
  if (!match) return { ok: false, failure: 'malformed' };
  const [, accessKeyId = '', day, region, service, signedList = '', presented = ''] = match;
  const date = headers.get('x-amz-date') ?? '';
  const signedHeaders = signedList.split(';');
  if (region !== scope.region || service !== scope.service || !/^\d{8}T\d{6}Z$/.test(date) || date.slice(0, 8) !== day) {
    return { ok: false, failure: 'malformed' };
  }
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) return { ok: false, failure: 'malformed' };
  const signedAt = Date.parse(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  if (Math.abs(now.getTime() - signedAt) > MAX_CLOCK_SKEW_MS) return { ok: false, failure: 'expired' };
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return { ok: false, failure: 'unknown_key' };
  const expected = Buffer.from(signature(request, signedHeaders, secret, date, scope), 'hex');
  const given = Buffer.from(presented, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given) ? { ok: true, accessKeyId } : { ok: false, failure: 'bad_signature' };
};
