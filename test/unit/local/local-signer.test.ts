import { localSigner } from '../../../local/local-signer';

/**
 * The local signer (docs/decisions/0061): the header SigV4 would write, from the credentials and signing
 * properties the SDK hands its auth scheme's signer, with a zero signature; the request it was given untouched.
 */
class Request {
  method = 'POST';
  protocol = 'http:';
  hostname = '127.0.0.1';
  port = 8000;
  path = '/';
  query = {};
  headers: Record<string, string> = { host: '127.0.0.1:8000', 'content-type': 'application/x-amz-json-1.0', authorization: 'stale' };
  body = '{}';
}

/** What the SDK resolves for the `aws.auth#sigv4` scheme (its identity type names no fields). */
type Credentials = Parameters<typeof localSigner.sign>[1] & { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const credentials: Credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret' };
const temporaryCredentials: Credentials = { accessKeyId: 'ASIALOCAL', secretAccessKey: 'secret', sessionToken: 'token', expiration: new Date(Date.now() + 3_600_000) };

const credentialScope = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=(0{64})$/;

describe('localSigner', () => {
  it.each([
    ['the client auth option (a custom endpoint)', { region: 'us-west-2', name: 'dynamodb' }, 'us-west-2/dynamodb'],
    ['the endpoint auth scheme before the option', { region: 'us-west-2', name: 'states', signingRegion: 'eu-west-1', signingName: 'states' }, 'eu-west-1/states'],
  ])('scopes the credential by %s', async (_case, properties, scope) => {
    // Prepare
    const request = new Request();

    // Act
    const signed = await localSigner.sign(request, credentials, properties);

    // Assess
    const [, credential, signedHeaders] = credentialScope.exec(signed.headers.authorization ?? '') ?? [];
    const date = signed.headers['x-amz-date'] ?? '';
    expect(date).toMatch(/^\d{8}T\d{6}Z$/);
    expect(credential).toBe(`AKIDLOCAL/${date.slice(0, 8)}/${scope}/aws4_request`);
    expect(signedHeaders).toBe('host;x-amz-date');
    expect(signed.headers['x-amz-security-token']).toBeUndefined();
    expect(signed).toBeInstanceOf(Request);
    expect(signed).toMatchObject({ hostname: '127.0.0.1', port: 8000, body: '{}' });
    expect(request.headers.authorization).toBe('stale');
  });

  it('sends the session token of temporary credentials, and signs for it', async () => {
    const signed = await localSigner.sign(new Request(), temporaryCredentials, { region: 'us-west-2', name: 'kms' });

    expect(signed.headers['x-amz-security-token']).toBe('token');
    expect(credentialScope.exec(signed.headers.authorization ?? '')?.[2]).toBe('host;x-amz-date;x-amz-security-token');
  });
});
