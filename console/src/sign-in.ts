import type { ConsoleConfig } from '../../platform/console-config';
import { type Clock, Renewing, systemClock } from './renewal';

/**
 * The console's sign-in in AWS (decisions 0046 and 0051): Cognito's managed login with the authorization code flow
 * and PKCE (RFC 7636, S256), then the identity pool's credentials for the role the ID token names. Pure functions of
 * the config, a key-value store (the tab's sessionStorage), a fetch and Web Crypto, so the unit tests run them as
 * the page does; the page (api.ts) does the navigation.
 *
 * What is kept where: the PKCE verifier and the state, from the redirect to the callback, in sessionStorage
 * (this tab only, gone with it; used once). The tokens, in this page's memory only, never in storage: the ID token
 * (renewed with the refresh token before it expires: `keepIdToken`) and the refresh token (sent only to the managed
 * login's own token and revocation endpoints). A reload forgets them and goes to the managed login again, whose own
 * session usually answers without a prompt; so does a refresh the token endpoint refuses.
 */
export type Role = 'ops_viewer' | 'ops_admin';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class SignInError extends Error {
  override readonly name = 'SignInError';
  constructor(
    readonly code: 'state_mismatch' | 'no_sign_in_pending' | 'login_refused' | 'token_refused' | 'no_id_token' | 'refresh_refused',
    message: string,
  ) {
    super(message);
  }
}

const PENDING_KEY = 'xborder-console-sign-in';

export const base64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** A PKCE code verifier: 32 random octets, base64url (43 characters, RFC 7636 section 4.1). */
export const codeVerifierOf = (octets: Uint8Array): string => base64url(octets);
export const newCodeVerifier = (): string => codeVerifierOf(crypto.getRandomValues(new Uint8Array(32)));

/** The S256 code challenge: BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 section 4.2). */
export const codeChallengeOf = async (verifier: string): Promise<string> =>
  base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));

/** The managed login's authorize URL: code flow, the console as the redirect, the challenge and the state. */
export const authorizeUrl = (config: ConsoleConfig, request: { state: string; challenge: string }): string => {
  const url = new URL('/oauth2/authorize', config.loginUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.consoleUrl,
    scope: 'openid email',
    state: request.state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
};

/** The token request: the code for tokens, proven by the verifier (no client secret: a public client). */
export const tokenRequest = (config: ConsoleConfig, grant: { code: string; verifier: string }): { url: string; init: RequestInit } => ({
  url: new URL('/oauth2/token', config.loginUrl).toString(),
  init: {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: grant.code,
      redirect_uri: config.consoleUrl,
      code_verifier: grant.verifier,
    }).toString(),
  },
});

/** The refresh: new ID and access tokens for the refresh token (RFC 6749 section 6; a public client, no secret). */
export const refreshRequest = (config: ConsoleConfig, refreshToken: string): { url: string; init: RequestInit } => ({
  url: new URL('/oauth2/token', config.loginUrl).toString(),
  init: {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: config.clientId, refresh_token: refreshToken }).toString(),
  },
});

/** Revokes the refresh token (and the tokens it issued) at sign-out (RFC 7009; the client has token revocation on). */
export const revokeRequest = (config: ConsoleConfig, refreshToken: string): { url: string; init: RequestInit } => ({
  url: new URL('/oauth2/revoke', config.loginUrl).toString(),
  init: {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, client_id: config.clientId }).toString(),
  },
});

/** The managed login's sign-out: ends its session and comes back to the console (the client's sign-out URL). */
export const logoutUrl = (config: ConsoleConfig): string => {
  const url = new URL('/logout', config.loginUrl);
  url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: config.consoleUrl }).toString();
  return url.toString();
};

/** The identity pool's login for the user pool's ID tokens: the token, or (for renewals) how to get the current one. */
export const identityLogins = <Login extends string | (() => Promise<string>)>(config: ConsoleConfig, idToken: Login): Record<string, Login> => ({
  [`cognito-idp.${config.region}.amazonaws.com/${config.userPoolId}`]: idToken,
});

/**
 * Starts a sign-in: a new verifier and state kept in the store (with the page's hash route, to come back to),
 * and the URL to send the browser to.
 */
export const beginSignIn = async (config: ConsoleConfig, store: KeyValueStore, returnTo: string): Promise<string> => {
  const verifier = newCodeVerifier();
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  store.setItem(PENDING_KEY, JSON.stringify({ state, verifier, returnTo }));
  return authorizeUrl(config, { state, challenge: await codeChallengeOf(verifier) });
};

/** Whether the page was opened by the managed login's redirect (a code or an error, with a state). */
export const isCallback = (query: URLSearchParams): boolean => query.has('state') && (query.has('code') || query.has('error'));

/** The tokens of a sign-in, held in the page's memory only. */
export interface Tokens {
  readonly idToken: string;
  /** Absent if the token endpoint gave none: the ID token then lasts its hour, and the managed login is asked again. */
  readonly refreshToken?: string;
}

/** What the token endpoint answered, or the refusal (`code` names which grant was refused). */
const tokensFrom = async (response: Response, refused: 'token_refused' | 'refresh_refused', previous?: Tokens): Promise<Tokens> => {
  const body = (await response.json().catch(() => ({}))) as { id_token?: string; refresh_token?: string; error?: string };
  if (!response.ok) {
    throw new SignInError(refused, refused === 'token_refused' ? `The token endpoint refused the code: ${body.error ?? response.status}` : `The token endpoint refused to renew the session: ${body.error ?? response.status}`);
  }
  if (!body.id_token) throw new SignInError('no_id_token', 'The token endpoint gave no ID token.');
  // A refresh answers a new refresh token only when the client rotates them; otherwise the one held stays good.
  return { idToken: body.id_token, refreshToken: body.refresh_token ?? previous?.refreshToken };
};

/**
 * Finishes a sign-in from the callback's query: the state must be the one this tab sent (else nothing is
 * exchanged: a forged or replayed callback), the pending sign-in is used once, then the code is exchanged at the
 * token endpoint. Answers the tokens (for the page's memory) and where to go back to (the hash route the operator
 * was on).
 */
export const completeSignIn = async (
  config: ConsoleConfig,
  store: KeyValueStore,
  query: URLSearchParams,
  fetcher: typeof fetch = fetch,
): Promise<{ returnTo: string; tokens: Tokens }> => {
  const pendingText = store.getItem(PENDING_KEY);
  store.removeItem(PENDING_KEY);
  if (!pendingText) throw new SignInError('no_sign_in_pending', 'This tab started no sign-in: sign in again.');
  const pending = JSON.parse(pendingText) as { state: string; verifier: string; returnTo: string };
  if (query.get('state') !== pending.state) throw new SignInError('state_mismatch', 'The sign-in answer does not match the sign-in this tab started: sign in again.');
  const error = query.get('error');
  if (error) throw new SignInError('login_refused', `The sign-in was refused: ${error}${query.get('error_description') ? ` (${query.get('error_description')})` : ''}`);
  const request = tokenRequest(config, { code: query.get('code') ?? '', verifier: pending.verifier });
  const tokens = await tokensFrom(await fetcher(request.url, request.init), 'token_refused');
  return { returnTo: pending.returnTo, tokens };
};

/**
 * The ID token, kept fresh: renewed with the refresh token (the `refresh_token` grant) a quarter of its life before
 * it expires (at most five minutes before: renewal.ts), so the identity pool is never handed an expired one. A
 * refusal (the refresh token expired or revoked, the user disabled) is final: `onRefused` is called once, and
 * nothing asks the token endpoint again (the page goes to the managed login). A refresh that could not be sent (the
 * network) is tried again by the next use. Without a refresh token, the first renewal is that refusal.
 */
export const keepIdToken = (
  config: ConsoleConfig,
  initial: Tokens,
  options: { fetcher?: typeof fetch; clock?: Clock; onRefused: (refusal: SignInError) => void },
): { idToken: Renewing<string>; tokens: () => Tokens } => {
  const clock = options.clock ?? systemClock;
  const fetcher = options.fetcher ?? ((input, init) => fetch(input, init));
  let tokens = initial;
  let refusal: SignInError | undefined;
  const leaseOf = (idToken: string) => {
    const claims = claimsOf(idToken);
    // Its lifetime (both claims are the issuer's clock) from when it arrived here: a skewed clock in the browser
    // neither renews too late nor at every use.
    const lifetimeMs = Math.max(0, Number(claims.exp ?? 0) - Number(claims.iat ?? claims.exp ?? 0)) * 1000;
    return { value: idToken, obtainedAt: clock.now(), expiresAt: clock.now() + lifetimeMs };
  };
  const refuse = (error: SignInError): never => {
    refusal = error;
    options.onRefused(error);
    throw error;
  };
  const idToken = new Renewing<string>(
    async () => {
      if (refusal) throw refusal;
      if (!tokens.refreshToken) return refuse(new SignInError('refresh_refused', 'The session has no refresh token: sign in again.'));
      const request = refreshRequest(config, tokens.refreshToken);
      const response = await fetcher(request.url, request.init);
      try {
        tokens = await tokensFrom(response, 'refresh_refused', tokens);
      } catch (error) {
        if (error instanceof SignInError && error.code === 'refresh_refused') refuse(error);
        throw error;
      }
      return leaseOf(tokens.idToken);
    },
    { clock, initial: leaseOf(initial.idToken) },
  );
  return { idToken, tokens: () => tokens };
};

export interface IdTokenClaims {
  readonly sub?: string;
  readonly iat?: number;
  readonly exp?: number;
  readonly email?: string;
  readonly 'cognito:username'?: string;
  readonly 'cognito:roles'?: string[];
  readonly 'cognito:preferred_role'?: string;
}

/**
 * The ID token's claims, read (not verified: the page trusts nothing in it; the identity pool checks the token
 * itself, server-side, before giving credentials).
 */
export const claimsOf = (idToken: string): IdTokenClaims => {
  const payload = idToken.split('.')[1] ?? '';
  const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)))) as IdTokenClaims;
};

/** Forgets a sign-in this tab started and did not finish (the tokens are in the page's memory, gone with it). */
export const forgetSignIn = (store: KeyValueStore): void => {
  store.removeItem(PENDING_KEY);
};

/**
 * The operator roles the token allows, its preferred one first: those whose IAM role is in `cognito:roles`
 * (the roles of the operator's groups). The identity pool gives the preferred one by default and any other of
 * them when asked for it (CustomRoleArn): an admin may look as a viewer.
 */
export const rolesOf = (config: ConsoleConfig, claims: IdTokenClaims): Role[] => {
  const allowed = new Set(claims['cognito:roles'] ?? []);
  const preferred = claims['cognito:preferred_role'];
  return (Object.keys(config.roles) as Role[])
    .filter((role) => allowed.has(config.roles[role]))
    .sort((a, b) => Number(config.roles[b] === preferred) - Number(config.roles[a] === preferred));
};
