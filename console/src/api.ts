import { fromCognitoIdentityPool } from '@aws-sdk/credential-provider-cognito-identity';
import { AwsClient } from 'aws4fetch';
import { CONSOLE_CONFIG_FILE, type ConsoleConfig } from '../../platform/console-config';
import { Renewing, sendWithFreshCredentials } from './renewal';
import {
  type IdTokenClaims,
  type Role,
  type Tokens,
  beginSignIn,
  claimsOf,
  completeSignIn,
  forgetSignIn,
  identityLogins,
  isCallback,
  keepIdToken,
  logoutUrl,
  revokeRequest,
  rolesOf,
} from './sign-in';

/**
 * The operator API, called from the browser with SigV4 (service execute-api), as any IAM caller does.
 * The credentials are the operator role's temporary credentials: in AWS from the Cognito identity pool after
 * the managed login (decision 0046, sign-in.ts), locally from `/console/session`, which hands out the local
 * operator credentials (.local/operators.json) to a page of the same origin. Which of the two is one choice,
 * made in `connect`: a `config.json` beside the page (the deployment writes it) means AWS. The console is served
 * by the operator API's own origin: no CORS, and the signed Host is the API's.
 *
 * A session outlives its tokens and credentials (decision 0051): the ID token is renewed with the refresh token,
 * the role's credentials from the identity pool with the renewed ID token, each before it expires (renewal.ts), in
 * place: the Session object the pages hold does not change, so nothing on the page is re-rendered or lost. A
 * request refused for expired credentials is sent once more with renewed ones. A refresh the token endpoint refuses
 * sends the browser to the managed login, which brings it back to the same route (drafts are kept: drafts.ts).
 */
export type { Role } from './sign-in';

/** Where the page's credentials come from. */
export type Connection =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'aws';
      readonly config: ConsoleConfig;
      /** The ID token, renewed before it expires (in memory only). */
      readonly idToken: Renewing<string>;
      /** The tokens held now (the refresh token is revoked at sign-out). */
      readonly tokens: () => Tokens;
      readonly claims: IdTokenClaims;
      readonly roles: Role[];
    };

export interface Session {
  readonly role: Role;
  readonly region: string;
  /** Sends a request signed with the role's current credentials (renewed as they near expiry). */
  send(url: string, init: RequestInit): Promise<Response>;
  /** The operator API's base URL, without a trailing slash. */
  readonly apiUrl: string;
  /** Stops renewing (the session was replaced by another role's). */
  close(): void;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The sign-in settings beside the page, or undefined where there are none (locally: 404). */
const loadConfig = async (): Promise<ConsoleConfig | undefined> => {
  const response = await fetch(CONSOLE_CONFIG_FILE, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new ApiError(response.status, 'no_config', `The console's ${CONSOLE_CONFIG_FILE} could not be read (${response.status})`);
  return (await response.json()) as ConsoleConfig;
};

/** Sends the browser to the managed login, to come back to the route it is on. */
const reauthorize = async (config: ConsoleConfig): Promise<void> => {
  window.location.assign(await beginSignIn(config, sessionStorage, window.location.hash));
};

/**
 * Decides how the page signs in, once per page load. In AWS: finishes a sign-in the managed login sent the
 * browser back from, or sends the browser to the managed login (then answers undefined: the page is going away).
 * The tokens live in this page's memory only, so a reload signs in again (the managed login's session usually
 * answers at once).
 */
export const connect = async (): Promise<Connection | undefined> => {
  const config = await loadConfig();
  if (!config) return { kind: 'local' };
  const query = new URLSearchParams(window.location.search);
  if (!isCallback(query)) {
    await reauthorize(config);
    return undefined;
  }
  const { returnTo, tokens } = await completeSignIn(config, sessionStorage, query).finally(() =>
    // The code and state leave the address bar (and the history) whatever the outcome.
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.hash}`),
  );
  window.history.replaceState(null, '', `${window.location.pathname}${returnTo}`);
  const kept = keepIdToken(config, tokens, { onRefused: () => void reauthorize(config) });
  const claims = claimsOf(tokens.idToken);
  return { kind: 'aws', config, idToken: kept.idToken, tokens: kept.tokens, claims, roles: rolesOf(config, claims) };
};

/** Revokes the refresh token, forgets the sign-in and ends the managed login's session, which sends the browser back to the console. */
export const signOut = async (connection: Connection & { kind: 'aws' }): Promise<void> => {
  connection.idToken.stop();
  const { refreshToken } = connection.tokens();
  if (refreshToken) {
    const request = revokeRequest(connection.config, refreshToken);
    // Best effort: the managed login's sign-out follows whatever the answer, and an unrevoked token still expires.
    await fetch(request.url, request.init).catch(() => undefined);
  }
  forgetSignIn(sessionStorage);
  window.location.assign(logoutUrl(connection.config));
};

/**
 * The operator API's base URL: in AWS the config's; locally what precedes `/console/` in the page's own path
 * (nothing), on the page's own origin.
 */
const localApiUrl = (): string => `${window.location.origin}${window.location.pathname.replace(/\/console(\/.*)?$/, '')}`;

interface RoleCredentials {
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** The role's credentials, renewed before they expire: from the identity pool with the current ID token, or locally from `/console/session`. */
const roleCredentials = (connection: Connection, role: Role): Renewing<RoleCredentials> => {
  const leaseOf = (credentials: RoleCredentials) => ({ value: credentials, obtainedAt: Date.now(), expiresAt: credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY });
  if (connection.kind === 'aws') {
    const { config } = connection;
    // The identity pool checks the ID token and gives the role asked for if the token's groups carry it. The login
    // is asked for at each renewal, so it is always the current (renewed) ID token; the identity id is kept.
    const provider = fromCognitoIdentityPool({
      identityPoolId: config.identityPoolId,
      logins: identityLogins(config, () => connection.idToken.current()),
      customRoleArn: config.roles[role],
      clientConfig: { region: config.region, endpoint: config.identityUrl },
    });
    return new Renewing(async () => leaseOf({ ...(await provider()), region: config.region }));
  }
  return new Renewing(async () => {
    const response = await fetch(`session?role=${encodeURIComponent(role)}`, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new ApiError(response.status, 'no_session', `No operator session for ${role} (${response.status})`);
    const body = (await response.json()) as { access_key_id: string; secret_access_key: string; session_token?: string; expiration?: string; region: string };
    // The local operator keys do not expire (no `expiration`): they are fetched again only after a refusal.
    return leaseOf({ region: body.region, accessKeyId: body.access_key_id, secretAccessKey: body.secret_access_key, sessionToken: body.session_token, expiration: body.expiration ? new Date(body.expiration) : undefined });
  });
};

export const openSession = async (connection: Connection, role: Role): Promise<Session> => {
  const credentials = roleCredentials(connection, role);
  const { region } = await credentials.current(); // signed in before the pages are shown: a refusal is this call's error
  const clients = new WeakMap<RoleCredentials, AwsClient>();
  const clientOf = (current: RoleCredentials) => {
    let client = clients.get(current);
    if (!client) {
      client = new AwsClient({ accessKeyId: current.accessKeyId, secretAccessKey: current.secretAccessKey, sessionToken: current.sessionToken, service: 'execute-api', region: current.region });
      clients.set(current, client);
    }
    return client;
  };
  return {
    role,
    region,
    apiUrl: connection.kind === 'aws' ? connection.config.apiUrl : localApiUrl(),
    send: (url, init) => sendWithFreshCredentials(credentials, (current) => clientOf(current).fetch(url, init)),
    close: () => credentials.stop(),
  };
};

const apiUrl = (session: Session, path: string, query: Record<string, string | undefined> = {}): string => {
  const url = new URL(`${session.apiUrl}${path}`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') url.searchParams.set(name, value);
  return url.toString();
};

const answer = async <T>(response: Response): Promise<T> => {
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    const fields = Array.isArray(body.errors) ? ` (${(body.errors as { field: string; message: string }[]).map((e) => `${e.field} ${e.message}`).join('; ')})` : '';
    throw new ApiError(response.status, String(body.code ?? 'error'), `${String(body.detail ?? body.message ?? response.statusText)}${fields}`);
  }
  return body as T;
};

export const get = async <T>(session: Session, path: string, query?: Record<string, string | undefined>): Promise<T> =>
  answer<T>(await session.send(apiUrl(session, path, query), { method: 'GET' }));

export const post = async <T>(session: Session, path: string, body: unknown): Promise<T> =>
  answer<T>(await session.send(apiUrl(session, path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
