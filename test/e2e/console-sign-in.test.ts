import { createHash, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { buildConsoleAssets } from '../../local/console-site';
import type { OperatorCredentials } from '../../local/iam/operators';
import { operatorRequest } from '../../lambdas/adapters/http/operator-client';
import { CONSOLE_CONFIG_FILE, type ConsoleConfig } from '../../platform/console-config';
import { operatorGatewayResponses, problemDocumentOf } from '../../platform/gateway-responses';
import { type OperatorRole, consoleSecurityHeaders } from '../../platform/operator-routes';
import { api, freshTestCard } from '../support/e2e';

/**
 * The ops console's sign-in as deployed in AWS (decision 0046), in headless Chromium, against local stand-ins of
 * what it talks to there, each on its own 127.0.0.1 origin:
 * - the page itself: the built console files, a `config.json` naming the stand-ins, and the same security headers
 *   (the same CSP function) as the operator API sends in AWS; every other path goes through to the local operator
 *   API of `npm start` (global-setup.ts) with the Host the page signed, as one origin does in AWS;
 * - Cognito's managed login: `/oauth2/authorize` (checks the client, the redirect, S256), `/oauth2/token` (the
 *   code grant: checks the code's client and redirect, and the verifier against the challenge; the refresh_token
 *   grant: checks the refresh token was issued and not revoked), `/oauth2/revoke`, `/logout`; tokens as short-lived
 *   as a test sets (decision 0051);
 * - the identity pool: GetId and GetCredentialsForIdentity in its JSON protocol (as `fromCognitoIdentityPool` of
 *   the AWS SDK sends them), which check the ID token the login issued and that it has not expired, and give the
 *   local credentials of the role the token allows (the preferred one, or the CustomRoleArn asked for if the token
 *   carries it) with a session token that expires as a test sets: the page's origin then answers a request signed
 *   with an expired one as API Gateway does (403 EXPIRED_TOKEN), before the operator API sees it.
 * What only AWS can check (Cognito's real token checks, the role mapping, STS credentials with a session token,
 * API Gateway's IAM authorization of them) is for a run against a deployed stage.
 */
const stateDir = process.env.E2E_STATE_DIR as string;
const runtime = JSON.parse(readFileSync(join(stateDir, 'runtime.json'), 'utf8')) as { operatorApiUrl: string };
const operators = JSON.parse(readFileSync(join(stateDir, 'operators.json'), 'utf8')) as OperatorCredentials[];
const operatorOf = (role: OperatorRole) => operators.find((candidate) => candidate.role === role) as OperatorCredentials;
const asOperator = (role: OperatorRole, method: 'GET' | 'POST', path: string, body?: unknown) =>
  operatorRequest({ baseUrl: runtime.operatorApiUrl, credentials: { accessKeyId: operatorOf(role).access_key_id, secretAccessKey: operatorOf(role).secret_access_key }, method, path, body });

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const roleArns: Record<OperatorRole, string> = {
  ops_viewer: `arn:aws:iam::${ACCOUNT}:role/xborder-ops-viewer-${REGION}`,
  ops_admin: `arn:aws:iam::${ACCOUNT}:role/xborder-ops-admin-${REGION}`,
};

const listen = async (handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; origin: string }> => {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};
const bodyOf = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
const base64urlJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Waits for what a stand-in or the proxy records (the page works on its own after a navigation). */
const until = async (done: () => boolean, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${done.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

let config: ConsoleConfig;
const servers: Server[] = [];
let profile: string;
let browser: BrowserContext;
let page: Page;

/** What the stand-ins saw. */
const seen = {
  authorizations: [] as Record<string, string>[],
  exchanges: [] as { verified: boolean; status: number }[],
  refreshes: [] as { refreshToken: string; status: number }[],
  revocations: [] as string[],
  logouts: [] as Record<string, string>[],
  identity: [] as { target: string; customRoleArn?: string; status: number; error?: string }[],
  api: [] as { method: string; path: string; status: number; accessKeyId?: string; code?: string }[],
};
/** Set by a test: the authorize stand-in answers with another state than the one it was sent. */
let forgeState = false;
/** Set by a test: how long the tokens and the credentials the stand-ins issue last (Cognito's: an hour each). */
const lifetimes = { idTokenSeconds: 3600, credentialsSeconds: 3600 };
const issuedTokens = new Set<string>();
const refreshTokens = new Map<string, { revoked: boolean }>();
/** The session tokens the identity pool issued, and until when (ms): what API Gateway would check. */
const sessionTokens = new Map<string, number>();

beforeAll(async () => {
  const assets = await buildConsoleAssets();
  const site = await listen(() => undefined);
  const login = await listen(() => undefined);
  const identity = await listen(() => undefined);
  servers.push(site.server, login.server, identity.server);
  config = {
    region: REGION,
    userPoolId: `${REGION}_LocalPool1`,
    clientId: 'localconsoleclient',
    loginUrl: login.origin,
    identityPoolId: `${REGION}:${randomUUID()}`,
    identityUrl: identity.origin,
    apiUrl: site.origin,
    consoleUrl: `${site.origin}/console/`,
    roles: roleArns,
  };
  const issuer = `cognito-idp.${REGION}.amazonaws.com/${config.userPoolId}`;

  // The page's origin: the console's files and config.json with the AWS headers, the operator API behind it.
  const headers = consoleSecurityHeaders(config);
  const types: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };
  site.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', site.origin);
    if (url.pathname.startsWith('/console/')) {
      const name = url.pathname.slice('/console/'.length) || 'index.html';
      if (name === CONSOLE_CONFIG_FILE) response.writeHead(200, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(config));
      else if (types[name]) response.writeHead(200, { 'Content-Type': types[name], ...headers }).end(assets[name as keyof typeof assets]);
      else response.writeHead(404, headers).end();
      return;
    }
    const accessKeyId = /Credential=([^/]+)\//.exec(String(request.headers.authorization))?.[1];
    // API Gateway refuses credentials whose session has ended before the API sees the request (EXPIRED_TOKEN).
    const sessionToken = String(request.headers['x-amz-security-token'] ?? '');
    if (url.pathname.startsWith('/v1/') && (!sessionTokens.has(sessionToken) || (sessionTokens.get(sessionToken) ?? 0) <= Date.now())) {
      seen.api.push({ method: String(request.method), path: url.pathname, status: 403, accessKeyId, code: 'expired_credentials' });
      response.writeHead(403, { 'Content-Type': 'application/json' }).end(problemDocumentOf(operatorGatewayResponses.EXPIRED_TOKEN, randomUUID()));
      return;
    }
    void bodyOf(request).then((body) => {
      const target = new URL(runtime.operatorApiUrl);
      const forwarded = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
        if (url.pathname.startsWith('/v1/')) seen.api.push({ method: String(request.method), path: url.pathname, status: answer.statusCode ?? 0, accessKeyId });
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      forwarded.on('error', () => response.writeHead(502).end());
      forwarded.end(body);
    });
  });

  // The managed login.
  const issueIdToken = () => {
    const now = Math.floor(Date.now() / 1000);
    const idToken = `${base64urlJson({ alg: 'RS256', kid: 'local' })}.${base64urlJson({
      sub: 'b5c8e3a0-7d61-4f4e-9a55-0c2f1e7b9d11',
      iss: `https://${issuer}`,
      aud: config.clientId,
      token_use: 'id',
      jti: randomUUID(),
      iat: now,
      exp: now + lifetimes.idTokenSeconds,
      email: 'ana.ops@example.com',
      'cognito:username': 'ana',
      'cognito:groups': ['ops_admin', 'ops_viewer'],
      'cognito:roles': [roleArns.ops_admin, roleArns.ops_viewer],
      'cognito:preferred_role': roleArns.ops_admin,
    })}.bG9jYWwtc3RhbmQtaW4`;
    issuedTokens.add(idToken);
    return idToken;
  };
  const codes = new Map<string, { challenge: string; clientId: string; redirectUri: string }>();
  login.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', login.origin);
    const cors = { 'Access-Control-Allow-Origin': site.origin };
    if (request.method === 'GET' && url.pathname === '/oauth2/authorize') {
      const query = Object.fromEntries(url.searchParams);
      seen.authorizations.push(query);
      if (query.client_id !== config.clientId || query.redirect_uri !== config.consoleUrl || query.response_type !== 'code' || query.code_challenge_method !== 'S256' || !query.code_challenge || !query.state) {
        response.writeHead(400).end('invalid_request');
        return;
      }
      const code = randomUUID();
      codes.set(code, { challenge: query.code_challenge, clientId: query.client_id, redirectUri: query.redirect_uri });
      const back = new URL(query.redirect_uri);
      back.search = new URLSearchParams({ code, state: forgeState ? 'forged-by-someone-else' : query.state }).toString();
      response.writeHead(302, { Location: back.toString() }).end();
      return;
    }
    if (request.method === 'POST' && url.pathname === '/oauth2/token') {
      void bodyOf(request).then((raw) => {
        const form = new URLSearchParams(raw.toString());
        if (form.get('grant_type') === 'refresh_token') {
          // The refresh_token grant: new ID and access tokens (no new refresh token: the client does not rotate them).
          const presented = form.get('refresh_token') ?? '';
          const known = refreshTokens.get(presented);
          const status = form.get('client_id') === config.clientId && known && !known.revoked ? 200 : 400;
          seen.refreshes.push({ refreshToken: presented, status });
          if (status !== 200) {
            response.writeHead(400, { 'Content-Type': 'application/json', ...cors }).end(JSON.stringify({ error: 'invalid_grant' }));
            return;
          }
          response.writeHead(200, { 'Content-Type': 'application/json', ...cors }).end(JSON.stringify({ id_token: issueIdToken(), access_token: randomUUID(), token_type: 'Bearer', expires_in: lifetimes.idTokenSeconds }));
          return;
        }
        const issued = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? ''); // a code is used once
        const verified =
          issued !== undefined &&
          form.get('grant_type') === 'authorization_code' &&
          form.get('client_id') === issued.clientId &&
          form.get('redirect_uri') === issued.redirectUri &&
          createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') === issued.challenge;
        if (!verified) {
          seen.exchanges.push({ verified, status: 400 });
          response.writeHead(400, { 'Content-Type': 'application/json', ...cors }).end(JSON.stringify({ error: 'invalid_grant' }));
          return;
        }
        const refreshToken = randomUUID();
        refreshTokens.set(refreshToken, { revoked: false });
        seen.exchanges.push({ verified, status: 200 });
        response
          .writeHead(200, { 'Content-Type': 'application/json', ...cors })
          .end(JSON.stringify({ id_token: issueIdToken(), access_token: randomUUID(), refresh_token: refreshToken, token_type: 'Bearer', expires_in: lifetimes.idTokenSeconds }));
      });
      return;
    }
    if (request.method === 'POST' && url.pathname === '/oauth2/revoke') {
      void bodyOf(request).then((raw) => {
        const form = new URLSearchParams(raw.toString());
        const token = form.get('token') ?? '';
        const known = refreshTokens.get(token);
        if (form.get('client_id') === config.clientId && known) {
          known.revoked = true;
          seen.revocations.push(token);
        }
        response.writeHead(200, cors).end();
      });
      return;
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'content-type' }).end();
      return;
    }
    if (request.method === 'GET' && url.pathname === '/logout') {
      const query = Object.fromEntries(url.searchParams);
      seen.logouts.push(query);
      if (query.client_id !== config.clientId || query.logout_uri !== config.consoleUrl) response.writeHead(400).end('invalid_request');
      else response.writeHead(302, { Location: query.logout_uri }).end();
      return;
    }
    response.writeHead(404).end();
  });

  // The identity pool (AWS JSON 1.1, X-Amz-Target), with the CORS answers Cognito gives a browser.
  const identities = new Map<string, string>();
  identity.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const cors = {
      'Access-Control-Allow-Origin': site.origin,
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': String(request.headers['access-control-request-headers'] ?? ''),
      'Access-Control-Expose-Headers': 'x-amzn-requestid, x-amzn-errortype',
    };
    if (request.method === 'OPTIONS') {
      response.writeHead(204, cors).end();
      return;
    }
    void bodyOf(request).then((raw) => {
      const target = String(request.headers['x-amz-target']);
      const input = JSON.parse(raw.toString()) as { IdentityPoolId?: string; IdentityId?: string; Logins?: Record<string, string>; CustomRoleArn?: string };
      const answer = (status: number, body: unknown, errorType?: string) => {
        seen.identity.push({ target, customRoleArn: input.CustomRoleArn, status, ...(errorType ? { error: String(body) } : {}) });
        response
          .writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), ...(errorType ? { 'x-amzn-errortype': errorType } : {}), ...cors })
          .end(JSON.stringify(errorType ? { __type: errorType, message: String(body) } : body));
      };
      const token = input.Logins?.[issuer];
      if (!token || !issuedTokens.has(token) || Object.keys(input.Logins ?? {}).length !== 1) return answer(400, 'Invalid login token.', 'NotAuthorizedException');
      if (Number(claimsOf(token).exp) * 1000 <= Date.now()) return answer(400, 'Invalid login token. Token expired.', 'NotAuthorizedException');
      if (target === 'AWSCognitoIdentityService.GetId') {
        if (input.IdentityPoolId !== config.identityPoolId) return answer(400, 'Identity pool not found.', 'ResourceNotFoundException');
        const identityId = `${REGION}:${createHash('sha256').update(String(claimsOf(token).sub)).digest('hex').slice(0, 32)}`;
        identities.set(identityId, token);
        return answer(200, { IdentityId: identityId });
      }
      if (target === 'AWSCognitoIdentityService.GetCredentialsForIdentity') {
        if (!identities.has(input.IdentityId ?? '')) return answer(400, 'Identity not found.', 'ResourceNotFoundException');
        // Role mapping "Token": the preferred role, or the one asked for if the token's groups carry it.
        const claims = claimsOf(token);
        const roleArn = input.CustomRoleArn ?? String(claims['cognito:preferred_role']);
        if (!(claims['cognito:roles'] as string[]).includes(roleArn)) return answer(400, 'Invalid CustomRoleArn.', 'NotAuthorizedException');
        const role = (Object.keys(roleArns) as OperatorRole[]).find((candidate) => roleArns[candidate] === roleArn) as OperatorRole;
        const credentials = operatorOf(role);
        const sessionToken = randomUUID();
        const expiration = Math.floor(Date.now() / 1000) + lifetimes.credentialsSeconds;
        sessionTokens.set(sessionToken, expiration * 1000);
        return answer(200, { IdentityId: input.IdentityId, Credentials: { AccessKeyId: credentials.access_key_id, SecretKey: credentials.secret_access_key, SessionToken: sessionToken, Expiration: expiration } });
      }
      return answer(400, `Unknown operation ${target}`, 'UnknownOperationException');
    });
  });

  profile = mkdtempSync(join(tmpdir(), 'xborder-chromium-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('the ops console signing in as in AWS (managed login with PKCE, the identity pool, SigV4)', () => {
  const blocked: string[] = [];

  it("goes to the managed login, comes back with a code it exchanges with its verifier, takes the identity pool's credentials of the token's preferred role and signs the operator API's requests with them", async () => {
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) blocked.push(message.text());
    });
    await page.goto(`${config.consoleUrl}#/review`);
    await expect(page.getByTestId('operator').textContent()).resolves.toBe('ana.ops@example.com');
    await until(() => seen.identity.length >= 2); // the credentials are asked for once the operator is known

    expect(seen.authorizations).toHaveLength(1);
    expect(seen.authorizations[0]).toMatchObject({ client_id: config.clientId, redirect_uri: config.consoleUrl, code_challenge_method: 'S256', scope: 'openid email' });
    expect(seen.exchanges).toEqual([{ verified: true, status: 200 }]);
    expect(seen.identity.map((call) => [call.target, call.status])).toEqual([
      ['AWSCognitoIdentityService.GetId', 200],
      ['AWSCognitoIdentityService.GetCredentialsForIdentity', 200],
    ]);
    // Back on the route it left, with the code and the state gone from the address bar.
    await page.waitForURL(`${config.consoleUrl}#/review`);
    // The roles the token's groups allow, the preferred one chosen.
    await expect(page.getByTestId('role').locator('option').allTextContents()).resolves.toEqual(['ops_admin', 'ops_viewer']);
    await expect(page.getByTestId('role').inputValue()).resolves.toBe('ops_admin');
    // The review queue loaded through the operator API, signed with the admin role's credentials.
    await until(() => seen.api.some((call) => call.path === '/v1/payouts'));
    await page.locator('h1', { hasText: 'Payouts in review' }).waitFor();
    expect(seen.api.every((call) => call.status === 200 && call.accessKeyId === operatorOf('ops_admin').access_key_id)).toBe(true);
    // The tokens are kept in the page's memory only: neither storage holds them.
    const token = [...issuedTokens][0] as string;
    const refreshToken = [...refreshTokens.keys()][0] as string;
    const kept = await page.evaluate(() => JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage } }));
    for (const secret of [token, refreshToken, token.split('.')[1] as string]) expect(kept).not.toContain(secret);
    expect(blocked).toEqual([]);
  });

  it("switches to another role the token's groups carry: the identity pool is asked for it by its ARN", async () => {
    const viewer = operatorOf('ops_viewer').access_key_id;
    await page.getByTestId('role').selectOption('ops_viewer');
    await until(() => seen.api.some((call) => call.accessKeyId === viewer));
    expect(seen.identity.at(-1)).toMatchObject({ target: 'AWSCognitoIdentityService.GetCredentialsForIdentity', customRoleArn: roleArns.ops_viewer, status: 200 });
    const after = seen.api.slice(seen.api.findIndex((call) => call.accessKeyId === viewer));
    expect(after.every((call) => call.status === 200 && call.accessKeyId === viewer)).toBe(true);
  });

  it('signs out: revokes the refresh token, ends the managed login session, which sends the browser back to the console and so to a new sign-in', async () => {
    const authorizations = seen.authorizations.length;
    const exchanges = seen.exchanges.length;
    const held = [...refreshTokens.keys()].at(-1) as string;
    await page.getByTestId('sign-out').click();
    await until(() => seen.exchanges.length === exchanges + 1);
    expect(seen.revocations).toEqual([held]);
    expect(refreshTokens.get(held)?.revoked).toBe(true);
    await expect(page.getByTestId('operator').textContent()).resolves.toBe('ana.ops@example.com');
    expect(seen.logouts).toEqual([{ client_id: config.clientId, logout_uri: config.consoleUrl }]);
    expect(seen.authorizations.length).toBe(authorizations + 1);
    // A new verifier, a new state.
    expect(seen.authorizations.at(-1)?.code_challenge).not.toBe(seen.authorizations.at(-2)?.code_challenge);
    expect(seen.authorizations.at(-1)?.state).not.toBe(seen.authorizations.at(-2)?.state);
    expect(seen.exchanges.at(-1)).toEqual({ verified: true, status: 200 });
  });

  it("refuses a callback whose state is not the one the tab sent, and exchanges nothing", async () => {
    const exchanges = seen.exchanges.length;
    forgeState = true;
    try {
      await page.evaluate(() => sessionStorage.clear());
      const authorizations = seen.authorizations.length;
      await page.goto(config.consoleUrl);
      await until(() => seen.authorizations.length === authorizations + 1);
      await expect(page.locator('p.error').textContent()).resolves.toContain('does not match the sign-in this tab started');
    } finally {
      forgeState = false;
    }
    expect(seen.exchanges.length).toBe(exchanges);
    expect(new URL(page.url()).search).toBe(''); // the code left the address bar
    expect(await page.getByTestId('operator').count()).toBe(0);
    expect(blocked).toEqual([]);
  });
});

describe('a console session that outlives its tokens and credentials (decision 0051)', () => {
  /** Payments the merchant's own rule sends to risk review (USD 4,000 or more): rows with a note to type. */
  const held: string[] = [];

  beforeAll(async () => {
    const onboarded = await asOperator('ops_admin', 'POST', '/v1/merchants', { name: 'Long Shift Traders' });
    expect(onboarded.status).toBe(201);
    const key = onboarded.json.api_key.secret as string;
    const post = (path: string, body: unknown) => api('POST', path, { key, idempotencyKey: randomUUID(), body });
    const rules = await post('/v1/risk_rules', { rules: [{ id: 'big_usd', when: { amount: { currency: 'USD', gte: 400_000 } }, score: 50 }], thresholds: { review: 50, block: 80 } });
    expect(rules.json).toMatchObject({ owner: 'merchant', version: 1 });
    for (let index = 0; index < 2; index += 1) {
      const payment = await post('/v1/payments', { amount: 450_000 + index, currency: 'USD', payment_method: freshTestCard() });
      expect(payment.json).toMatchObject({ status: 'succeeded' });
      held.push(payment.json.id as string);
    }
  });

  afterEach(() => {
    lifetimes.idTokenSeconds = 3600;
    lifetimes.credentialsSeconds = 3600;
  });

  /** Signs in afresh (tokens as short-lived as set), as ops_admin, on the risk review queue, showing `row`. */
  const signInOnRiskReview = async (row: string) => {
    const exchanges = seen.exchanges.length;
    await page.goto('about:blank'); // a new load (a goto that changes only the hash is not)
    await page.goto(`${config.consoleUrl}#/risk-review`);
    await until(() => seen.exchanges.length === exchanges + 1);
    await page.getByTestId('role').selectOption('ops_admin');
    await page.getByTestId(`risk-review-${row}`).getByTestId('risk-approve').click({ trial: true }); // enabled: the admin's session
  };

  it('renews the ID token with the refresh token and the credentials with it, in place: a note typed before the expiry is sent after it, with no reload', async () => {
    lifetimes.idTokenSeconds = 12;
    lifetimes.credentialsSeconds = 9;
    await signInOnRiskReview(held[0] as string);
    const started = { refreshes: seen.refreshes.length, identity: seen.identity.length, authorizations: seen.authorizations.length, api: seen.api.length };
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: 'yes' }));
    const row = page.getByTestId(`risk-review-${held[0]}`);
    await row.getByTestId('risk-review-note').fill('Known customer, confirmed by phone');

    // Past two lifetimes of the ID token and three of the credentials, with the page idle.
    await page.waitForTimeout(27_000);
    const renewals = seen.refreshes.slice(started.refreshes);
    expect(renewals.length).toBeGreaterThanOrEqual(2);
    expect(renewals.every((refresh) => refresh.status === 200)).toBe(true);
    const credentialCalls = seen.identity.slice(started.identity).filter((call) => call.target === 'AWSCognitoIdentityService.GetCredentialsForIdentity');
    expect(credentialCalls.length).toBeGreaterThanOrEqual(3);
    expect(credentialCalls.every((call) => call.status === 200)).toBe(true); // each with an ID token that had not expired
    expect(seen.authorizations.length).toBe(started.authorizations); // never sent to the managed login
    await expect(row.getByTestId('risk-review-note').inputValue()).resolves.toBe('Known customer, confirmed by phone');

    await row.getByTestId('risk-approve').click();
    await expect(row.getByTestId('risk-review-outcome').textContent()).resolves.toContain('approve');
    expect(await page.evaluate(() => (globalThis as { sameDocument?: string }).sameDocument)).toBe('yes'); // the same page all along
    expect(seen.api.slice(started.api).filter((call) => call.method === 'POST')).toEqual([
      { method: 'POST', path: `/v1/payments/${held[0]}/review`, status: 200, accessKeyId: operatorOf('ops_admin').access_key_id },
    ]);
    const decided = await asOperator('ops_viewer', 'GET', `/v1/payments/${held[0]}`);
    expect(decided.json.risk).toMatchObject({ review: { decision: 'approved', note: 'Known customer, confirmed by phone' } });
  });

  it('sends a request refused for expired credentials once more with renewed ones (the refusal came before the API: nothing was done twice)', async () => {
    await signInOnRiskReview(held[1] as string);
    const started = { api: seen.api.length, identity: seen.identity.length };
    // Every session the identity pool has given ends now (as if the browser's clock ran behind AWS's).
    for (const token of sessionTokens.keys()) sessionTokens.set(token, Date.now());
    await page.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = '#/review';
    });
    await page.locator('h1', { hasText: 'Payouts in review' }).waitFor();
    await until(() => seen.api.slice(started.api).some((call) => call.status === 200));
    expect(seen.api.slice(started.api).map((call) => [call.path, call.status, call.code])).toEqual([
      ['/v1/payouts', 403, 'expired_credentials'],
      ['/v1/payouts', 200, undefined],
    ]);
    expect(seen.identity.slice(started.identity).map((call) => [call.target, call.status])).toEqual([['AWSCognitoIdentityService.GetCredentialsForIdentity', 200]]);
    await expect(page.locator('p.error').count()).resolves.toBe(0);
  });

  it('goes to the managed login when a refresh is refused, and comes back to the same route with the half-typed note', async () => {
    lifetimes.idTokenSeconds = 12;
    await signInOnRiskReview(held[1] as string);
    const started = { refreshes: seen.refreshes.length, authorizations: seen.authorizations.length, exchanges: seen.exchanges.length };
    const row = page.getByTestId(`risk-review-${held[1]}`);
    await row.getByTestId('risk-review-note').fill('Half-way through checking the address');
    // An administrator signs the operator out everywhere: the refresh token is revoked.
    for (const token of refreshTokens.values()) token.revoked = true;

    await until(() => seen.exchanges.length === started.exchanges + 1, 25_000);
    expect(seen.refreshes.slice(started.refreshes).map((refresh) => refresh.status)).toEqual([400]); // once, not again
    expect(seen.authorizations.length).toBe(started.authorizations + 1);
    await page.waitForURL(`${config.consoleUrl}#/risk-review`);
    await expect(row.getByTestId('risk-review-note').inputValue()).resolves.toBe('Half-way through checking the address');
    await page.waitForTimeout(1_000);
    expect(seen.refreshes.length).toBe(started.refreshes + 1);
  });
});
