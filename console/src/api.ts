import { fromCognitoIdentityPool } from '@aws-sdk/credential-provider-cognito-identity';
import { AwsClient } from 'aws4fetch';
import { CONSOLE_CONFIG_FILE, type ConsoleConfig } from '../../platform/console-config';
import {
  type IdTokenClaims,
  type Role,
  beginSignIn,
  claimsOf,
  completeSignIn,
  currentIdToken,
  forgetSignIn,
  identityLogins,
  isCallback,
  logoutUrl,
  rolesOf,
} from './sign-in';

/**
 * The operator API, called from the browser with SigV4 (service execute-api), as any IAM caller does.
 * The credentials are the operator role's temporary credentials: in AWS from the Cognito identity pool after
 * the managed login (decision 0046, sign-in.ts), locally from `/console/session`, which hands out the local
 * operator credentials (.local/operators.json) to a page of the same origin. Which of the two is one choice,
 * made in `connect`: a `config.json` beside the page (the deployment writes it) means AWS. The console is served
 * by the operator API's own origin: no CORS, and the signed Host is the API's.
 */
export type { Role } from './sign-in';

/** Where the page's credentials come from. */
export type Connection =
  | { readonly kind: 'local' }
  | { readonly kind: 'aws'; readonly config: ConsoleConfig; readonly idToken: string; readonly claims: IdTokenClaims; readonly roles: Role[] };

export interface Session {
  readonly role: Role;
  readonly region: string;
  readonly client: AwsClient;
  /** The operator API's base URL, without a trailing slash. */
  readonly apiUrl: string;
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

/**
 * Decides how the page signs in, once per page load. In AWS: finishes a sign-in the managed login sent the
 * browser back from, or uses the ID token this tab keeps, or sends the browser to the managed login (then
 * answers undefined: the page is going away).
 */
export const connect = async (): Promise<Connection | undefined> => {
  const config = await loadConfig();
  if (!config) return { kind: 'local' };
  const query = new URLSearchParams(window.location.search);
  if (isCallback(query)) {
    const { returnTo } = await completeSignIn(config, sessionStorage, query).finally(() =>
      // The code and state leave the address bar (and the history) whatever the outcome.
      window.history.replaceState(null, '', `${window.location.pathname}${window.location.hash}`),
    );
    window.history.replaceState(null, '', `${window.location.pathname}${returnTo}`);
  }
  const idToken = currentIdToken(sessionStorage);
  if (!idToken) {
    window.location.assign(await beginSignIn(config, sessionStorage, window.location.hash));
    return undefined;
  }
  const claims = claimsOf(idToken);
  return { kind: 'aws', config, idToken, claims, roles: rolesOf(config, claims) };
};

/** Forgets the ID token and ends the managed login's session, which sends the browser back to the console. */
export const signOut = (connection: Connection & { kind: 'aws' }): void => {
  forgetSignIn(sessionStorage);
  window.location.assign(logoutUrl(connection.config));
};

/**
 * The operator API's base URL: in AWS the config's; locally what precedes `/console/` in the page's own path
 * (nothing), on the page's own origin.
 */
const localApiUrl = (): string => `${window.location.origin}${window.location.pathname.replace(/\/console(\/.*)?$/, '')}`;

export const openSession = async (connection: Connection, role: Role): Promise<Session> => {
  if (connection.kind === 'aws') {
    const { config } = connection;
    // The identity pool checks the ID token and gives the role asked for if the token's groups carry it.
    const credentials = await fromCognitoIdentityPool({
      identityPoolId: config.identityPoolId,
      logins: identityLogins(config, connection.idToken),
      customRoleArn: config.roles[role],
      clientConfig: { region: config.region, endpoint: config.identityUrl },
    })();
    const client = new AwsClient({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      service: 'execute-api',
      region: config.region,
    });
    return { role, region: config.region, client, apiUrl: config.apiUrl };
  }
  const response = await fetch(`session?role=${encodeURIComponent(role)}`, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new ApiError(response.status, 'no_session', `No operator session for ${role} (${response.status})`);
  const body = (await response.json()) as { access_key_id: string; secret_access_key: string; session_token?: string; region: string };
  const client = new AwsClient({
    accessKeyId: body.access_key_id,
    secretAccessKey: body.secret_access_key,
    sessionToken: body.session_token,
    service: 'execute-api',
    region: body.region,
  });
  return { role, region: body.region, client, apiUrl: localApiUrl() };
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
  answer<T>(await session.client.fetch(apiUrl(session, path, query), { method: 'GET' }));

export const post = async <T>(session: Session, path: string, body: unknown): Promise<T> =>
  answer<T>(await session.client.fetch(apiUrl(session, path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
