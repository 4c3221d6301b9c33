import { AwsClient } from 'aws4fetch';

/**
 * The operator API, called from the browser with SigV4 (service execute-api), as any IAM caller does.
 * The credentials are the operator role's temporary credentials: in AWS from the Cognito identity pool
 * (decision 0022), locally from `/console/session`, which hands out the local operator credentials
 * (.local/operators.json) to a page of the same origin. The console is served by the operator API's own
 * origin, so the API's paths are relative: no CORS, and the signed Host is the API's.
 */
export type Role = 'ops_viewer' | 'ops_admin';

export interface Session {
  readonly role: Role;
  readonly region: string;
  readonly client: AwsClient;
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

export const openSession = async (role: Role): Promise<Session> => {
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
  return { role, region: body.region, client };
};

/**
 * The operator API's base path: what precedes `/console/` in the page's own path. Locally nothing; in AWS the
 * stage (`/prod`), since the page is served by the API itself at `/prod/console/`.
 */
const apiBase = (): string => window.location.pathname.replace(/\/console(\/.*)?$/, '');

const apiUrl = (path: string, query: Record<string, string | undefined> = {}): string => {
  const url = new URL(`${apiBase()}${path}`, window.location.origin);
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
  answer<T>(await session.client.fetch(apiUrl(path, query), { method: 'GET' }));

export const post = async <T>(session: Session, path: string, body: unknown): Promise<T> =>
  answer<T>(await session.client.fetch(apiUrl(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
