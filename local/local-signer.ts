import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * SigV4 without the signature, for the local services (docs/decisions/0061). Every service the local runtime
 * serves (DynamoDB Local, and local/kms, step-functions, sqs, secrets-manager, cloudwatch) reads only the
 * credential scope of the Authorization header, the access key and the region (DynamoDB Local keeps one database
 * per key and region, the local KMS answers as the scope's region), and none checks the signature. Computing it
 * (a payload hash, a canonical request, four HMACs) was 8 % of the local main thread's busy time, the thread
 * that bounds local throughput (docs/benchmarks.md).
 *
 * This signer writes the header the SDK's would, from the credentials and region the SDK resolved, with a
 * signature of zeros: `AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request,
 * SignedHeaders=host;x-amz-date, Signature=000…`, plus X-Amz-Date and, for temporary credentials,
 * X-Amz-Security-Token. It is the SDK's own hook for this: the `signer` of the client's `aws.auth#sigv4` auth
 * scheme (`httpAuthSchemes` in any client's configuration), so the SDK still resolves the credentials, the
 * region, the endpoint and the retries as it always does; only the signing step is another.
 */

/** The client configuration's auth scheme entry (the same shape in every SDK v3 client). */
type HttpAuthScheme = NonNullable<DynamoDBClientConfig['httpAuthSchemes']>[number];
type HttpSigner = HttpAuthScheme['signer'];
type Request = Parameters<HttpSigner['sign']>[0];

/** The scheme every AWS service this project calls uses (the clients' `httpAuthSchemeProvider`s offer only it). */
const SIGV4 = 'aws.auth#sigv4';
const ZERO_SIGNATURE = '0'.repeat(64);

interface AwsCredentials {
  readonly accessKeyId: string;
  readonly sessionToken?: string;
}

interface SigningProperties {
  /** The endpoint's auth scheme, when it names one (AWS endpoints); a custom endpoint leaves it unset. */
  readonly signingRegion?: string;
  readonly signingName?: string;
  /** The client's auth option: its resolved region and the service's signing name. */
  readonly region?: string;
  readonly name?: string;
}

/** `20261207T224512Z`, as SigV4 writes X-Amz-Date. */
const amzDate = (now: Date): string => now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export const localSigner: HttpSigner = {
  async sign(request: Request, identity, properties): Promise<Request> {
    const { accessKeyId, sessionToken } = identity as AwsCredentials;
    const { signingRegion, signingName, region, name } = properties as SigningProperties;
    const date = amzDate(new Date());
    const headers: Record<string, string> = { ...request.headers, 'x-amz-date': date };
    if (sessionToken) headers['x-amz-security-token'] = sessionToken;
    headers.authorization =
      `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date.slice(0, 8)}/${signingRegion ?? region}/${signingName ?? name}/aws4_request, ` +
      `SignedHeaders=host;x-amz-date${sessionToken ? ';x-amz-security-token' : ''}, Signature=${ZERO_SIGNATURE}`;
    // A copy, as the SDK's signer makes one: a retry signs the request again from the unsigned original.
    return Object.assign(Object.create(Object.getPrototypeOf(request) as object) as Request, request, { headers });
  },
};

/** The auth schemes for a client's configuration: SigV4 with the SDK's credentials, signed by `localSigner`. */
export const localAuthSchemes: HttpAuthScheme[] = [
  { schemeId: SIGV4, identityProvider: (config) => config.getIdentityProvider(SIGV4), signer: localSigner },
];

/** The symbol lambdas/shared/clients.ts looks for: the auth schemes it gives every client it builds (and only if present). */
const LOCAL_AUTH_SCHEMES = Symbol.for('xborder.local-signer.auth-schemes');

/**
 * Registers the local signer for the clients lambdas/shared/clients.ts builds from now on. Idempotent; done when
 * local/lambda-host.ts is loaded (beside the local IAM check, decision 0023), before any handler module exists.
 */
export const installLocalSigner = (): void => {
  (globalThis as Record<symbol, unknown>)[LOCAL_AUTH_SCHEMES] ??= localAuthSchemes;
};
