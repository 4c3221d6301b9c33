import { signRequest, verifyRequest } from '../../../../lambdas/adapters/http/sigv4';

/**
 * SigV4 as the operator CLI signs and the local operator API verifies it. The first case is AWS's published
 * example (IAM ListUsers, 2015-08-30), so both sides agree with AWS, not only with each other.
 */
const example = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const scope = { region: 'us-east-1', service: 'execute-api' };
const at = new Date('2026-11-21T12:00:00Z');
const request = {
  method: 'POST',
  path: '/v1/merchants/mer_1/api_keys/key_a%20b/revoke',
  query: 'b=2&a=x%20y&a=1',
  headers: { host: '127.0.0.1:3001', 'content-type': 'application/json' },
  body: '{}',
};
const secrets = (accessKeyId: string) => (accessKeyId === example.accessKeyId ? example.secretAccessKey : undefined);

it("matches AWS's published Signature Version 4 example", () => {
  const signed = signRequest(
    {
      method: 'GET',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: { host: 'iam.amazonaws.com', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: '',
    },
    example,
    { region: 'us-east-1', service: 'iam' },
    new Date('2015-08-30T12:36:00Z'),
  );
  expect(signed.Authorization).toBe(
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
  );
});

it('verifies what it signed, including a session token', () => {
  const headers: Record<string, string> = { ...request.headers, ...signRequest(request, { ...example, sessionToken: 'token' }, scope, at) };
  expect(headers['x-amz-security-token']).toBe('token');
  expect(verifyRequest({ ...request, headers }, secrets, scope, new Date(at.getTime() + 60_000))).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
});

it.each([
  ['a changed body', { body: '{"x":1}' }, 'bad_signature'],
  ['a changed path', { path: '/v1/merchants/mer_2/api_keys/key_a%20b/revoke' }, 'bad_signature'],
  ['a changed query', { query: 'a=1' }, 'bad_signature'],
  ['a changed method', { method: 'GET' }, 'bad_signature'],
] as const)('refuses %s', (_case, change, failure) => {
  const headers = { ...request.headers, ...signRequest(request, example, scope, at) };
  expect(verifyRequest({ ...request, ...change, headers }, secrets, scope, at)).toEqual({ ok: false, failure });
});

it('refuses a missing, malformed, unknown-key, stale or other-region signature', () => {
  const headers = { ...request.headers, ...signRequest(request, example, scope, at) };
  expect(verifyRequest({ ...request }, secrets, scope, at)).toEqual({ ok: false, failure: 'missing' });
  expect(verifyRequest({ ...request, headers: { ...headers, Authorization: 'Bearer sk_test_x' } }, secrets, scope, at)).toEqual({ ok: false, failure: 'malformed' });
  expect(verifyRequest({ ...request, headers }, () => undefined, scope, at)).toEqual({ ok: false, failure: 'unknown_key' });
  expect(verifyRequest({ ...request, headers }, secrets, scope, new Date(at.getTime() + 6 * 60_000))).toEqual({ ok: false, failure: 'expired' });
  expect(verifyRequest({ ...request, headers }, secrets, { ...scope, region: 'us-west-2' }, at)).toEqual({ ok: false, failure: 'malformed' });
  const wrongSecret = { ...request.headers, ...signRequest(request, { ...example, secretAccessKey: 'not-the-secret' }, scope, at) };
  expect(verifyRequest({ ...request, headers: wrongSecret }, secrets, scope, at)).toEqual({ ok: false, failure: 'bad_signature' });
});
