import {
  SignInError,
  authorizeUrl,
  beginSignIn,
  claimsOf,
  codeChallengeOf,
  codeVerifierOf,
  completeSignIn,
  forgetSignIn,
  identityLogins,
  isCallback,
  logoutUrl,
  newCodeVerifier,
  refreshRequest,
  revokeRequest,
  rolesOf,
  tokenRequest,
} from '../../../console/src/sign-in';
import { testConsoleConfig } from '../../support/console-config';

/** The ops console's sign-in in AWS (decision 0046): PKCE, the state, the URLs it builds, what it keeps. */
const config = testConsoleConfig;

const memoryStore = () => {
  const values = new Map<string, string>();
  return { values, getItem: (key: string) => values.get(key) ?? null, setItem: (key: string, value: string) => void values.set(key, value), removeItem: (key: string) => void values.delete(key) };
};

const base64urlJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const idTokenWith = (claims: Record<string, unknown>) => `${base64urlJson({ alg: 'RS256', kid: 'k1' })}.${base64urlJson(claims)}.c2lnbmF0dXJl`;

describe('PKCE (RFC 7636, S256)', () => {
  it("derives appendix B's verifier from its 32 octets and its challenge from the verifier", async () => {
    // RFC 7636 appendix B.
    const octets = Uint8Array.from([116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121]);
    expect(codeVerifierOf(octets)).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
    await expect(codeChallengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).resolves.toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes a new 43-character verifier of unreserved characters each time', () => {
    const verifiers = Array.from({ length: 50 }, newCodeVerifier);
    for (const verifier of verifiers) expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(verifiers).size).toBe(50);
  });
});

describe('the URLs the sign-in builds', () => {
  it('authorize: the code flow on the managed login, the console as the redirect, the S256 challenge and the state', () => {
    const url = new URL(authorizeUrl(config, { state: 'st4te', challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' }));
    expect(`${url.origin}${url.pathname}`).toBe(`${config.loginUrl}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: config.clientId,
      redirect_uri: config.consoleUrl,
      scope: 'openid email',
      state: 'st4te',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
  });

  it('token: a form POST to /oauth2/token with the code, the same redirect and the verifier, and no secret', () => {
    const request = tokenRequest(config, { code: 'c0de', verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' });
    expect(request.url).toBe(`${config.loginUrl}/oauth2/token`);
    expect(request.init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(Object.fromEntries(new URLSearchParams(String(request.init.body)))).toEqual({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: 'c0de',
      redirect_uri: config.consoleUrl,
      code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    });
  });

  it('refresh: a form POST to /oauth2/token with the refresh token and the client, no secret; revocation: the same to /oauth2/revoke', () => {
    const refresh = refreshRequest(config, 'r3fresh');
    expect(refresh.url).toBe(`${config.loginUrl}/oauth2/token`);
    expect(refresh.init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(Object.fromEntries(new URLSearchParams(String(refresh.init.body)))).toEqual({ grant_type: 'refresh_token', client_id: config.clientId, refresh_token: 'r3fresh' });
    const revoke = revokeRequest(config, 'r3fresh');
    expect(revoke.url).toBe(`${config.loginUrl}/oauth2/revoke`);
    expect(Object.fromEntries(new URLSearchParams(String(revoke.init.body)))).toEqual({ token: 'r3fresh', client_id: config.clientId });
  });

  it('sign-out: the managed login ends its session and comes back to the console', () => {
    const url = new URL(logoutUrl(config));
    expect(`${url.origin}${url.pathname}`).toBe(`${config.loginUrl}/logout`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: config.clientId, logout_uri: config.consoleUrl });
  });

  it("logs in to the identity pool with the user pool's issuer", () => {
    expect(identityLogins(config, 'tok')).toEqual({ 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123': 'tok' });
  });
});

describe('a sign-in from the redirect to the callback', () => {
  const now = Math.floor(Date.now() / 1000);
  const idToken = idTokenWith({ sub: 'u-1', exp: now + 3600, email: 'ana@example.com', 'cognito:roles': [config.roles.ops_viewer], 'cognito:preferred_role': config.roles.ops_viewer });

  /** Starts a sign-in and answers the callback query the managed login would send back. */
  const started = async (store: ReturnType<typeof memoryStore>) => {
    const url = new URL(await beginSignIn(config, store, '#/review'));
    return { state: url.searchParams.get('state') as string, challenge: url.searchParams.get('code_challenge') as string };
  };

  it('exchanges the code with the verifier whose challenge it sent, answers the tokens (kept in no store), and goes back to the route it left', async () => {
    const store = memoryStore();
    const { state, challenge } = await started(store);
    expect(state).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const requests: { url: string; body: URLSearchParams }[] = [];
    const fetcher = (async (url: string, init: RequestInit) => {
      requests.push({ url, body: new URLSearchParams(String(init.body)) });
      return new Response(JSON.stringify({ id_token: idToken, access_token: 'a', refresh_token: 'r3fresh', token_type: 'Bearer', expires_in: 3600 }), { status: 200 });
    }) as unknown as typeof fetch;

    await expect(completeSignIn(config, store, new URLSearchParams({ code: 'c0de', state }), fetcher)).resolves.toEqual({ returnTo: '#/review', tokens: { idToken, refreshToken: 'r3fresh' } });
    expect(requests).toHaveLength(1);
    await expect(codeChallengeOf(requests[0]?.body.get('code_verifier') as string)).resolves.toBe(challenge);
    expect(store.values.size).toBe(0); // neither token in the tab's storage, and the pending sign-in used up
    // The verifier is used once: the same callback again finds no sign-in pending.
    await expect(completeSignIn(config, store, new URLSearchParams({ code: 'c0de', state }), fetcher)).rejects.toMatchObject({ code: 'no_sign_in_pending' });
    expect(requests).toHaveLength(1);
  });

  it('refuses a callback whose state is not the one this tab sent, and exchanges nothing', async () => {
    const store = memoryStore();
    await started(store);
    let exchanged = 0;
    const fetcher = (async () => {
      exchanged += 1;
      return new Response('{}');
    }) as unknown as typeof fetch;
    const refused = completeSignIn(config, store, new URLSearchParams({ code: 'c0de', state: 'forged' }), fetcher);
    await expect(refused).rejects.toBeInstanceOf(SignInError);
    await expect(refused).rejects.toMatchObject({ code: 'state_mismatch' });
    expect(exchanged).toBe(0);
    expect(store.values.size).toBe(0); // the pending sign-in is gone too: a second try with the right state fails as well
  });

  it("reports the managed login's error and the token endpoint's refusal", async () => {
    const store = memoryStore();
    let { state } = await started(store);
    await expect(completeSignIn(config, store, new URLSearchParams({ error: 'access_denied', state }))).rejects.toMatchObject({ code: 'login_refused', message: expect.stringContaining('access_denied') });
    ({ state } = await started(store));
    const refusing = (async () => new Response(JSON.stringify({ error: 'invalid_grant' }), { status: 400 })) as unknown as typeof fetch;
    await expect(completeSignIn(config, store, new URLSearchParams({ code: 'c0de', state }), refusing)).rejects.toMatchObject({ code: 'token_refused', message: expect.stringContaining('invalid_grant') });
  });

  it('tells a callback from an ordinary visit', () => {
    expect(isCallback(new URLSearchParams('code=c&state=s'))).toBe(true);
    expect(isCallback(new URLSearchParams('error=access_denied&state=s'))).toBe(true);
    expect(isCallback(new URLSearchParams('code=c'))).toBe(false);
    expect(isCallback(new URLSearchParams(''))).toBe(false);
  });

  it('forgets a sign-in left unfinished at sign-out', async () => {
    const store = memoryStore();
    await started(store);
    forgetSignIn(store);
    expect(store.values.size).toBe(0);
  });
});

describe("the roles an operator's token allows", () => {
  it("lists the operator roles whose IAM role the token's groups carry, the preferred one first", () => {
    const admin = claimsOf(idTokenWith({ 'cognito:roles': [config.roles.ops_viewer, config.roles.ops_admin], 'cognito:preferred_role': config.roles.ops_admin }));
    expect(rolesOf(config, admin)).toEqual(['ops_admin', 'ops_viewer']);
    const viewer = claimsOf(idTokenWith({ 'cognito:roles': [config.roles.ops_viewer], 'cognito:preferred_role': config.roles.ops_viewer }));
    expect(rolesOf(config, viewer)).toEqual(['ops_viewer']);
    expect(rolesOf(config, claimsOf(idTokenWith({ sub: 'nobody' })))).toEqual([]);
    // A role of another account or region in the token is not an operator role here.
    expect(rolesOf(config, claimsOf(idTokenWith({ 'cognito:roles': ['arn:aws:iam::999999999999:role/xborder-ops-admin-us-east-1'] })))).toEqual([]);
  });

  it('reads claims written in UTF-8 and base64url', () => {
    expect(claimsOf(idTokenWith({ email: 'zoë@example.com', n: '>>>???' })).email).toBe('zoë@example.com');
  });
});
