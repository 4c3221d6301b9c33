/**
 * What the ops console needs to sign in when it is deployed in AWS (decision 0046). The API stack writes it as
 * `config.json` beside the page (lib/constructs/operator-console.ts: `GET /console/config.json` on the operator
 * API, a mock integration whose answer CloudFormation fills in), so `cdk deploy` alone keeps it true. Locally
 * there is none: the page then asks the local stand-in `/console/session` for credentials (console/src/api.ts
 * chooses by the file's presence, in one place).
 */
export const CONSOLE_CONFIG_FILE = 'config.json';

export interface ConsoleConfig {
  /** The region of the user pool, the identity pool and the operator API. */
  readonly region: string;
  /** The operators' user pool: its ID tokens are the identity pool's login `cognito-idp.<region>.amazonaws.com/<id>`. */
  readonly userPoolId: string;
  /** The console's app client (no secret: authorization code with PKCE). */
  readonly clientId: string;
  /** The managed login's origin, `https://<domain>.auth.<region>.amazoncognito.com` (`/oauth2/authorize`, `/oauth2/token`, `/logout`). */
  readonly loginUrl: string;
  readonly identityPoolId: string;
  /** The identity pool's endpoint, `https://cognito-identity.<region>.amazonaws.com`. */
  readonly identityUrl: string;
  /** The operator API's stage URL, without a trailing slash (`https://<id>.execute-api.<region>.amazonaws.com/prod`): the page's own origin. */
  readonly apiUrl: string;
  /** The console's URL: the app client's only callback and sign-out URL. */
  readonly consoleUrl: string;
  /** The IAM role of each operator role, as the user pool groups carry them (an ID token's `cognito:roles`). */
  readonly roles: Readonly<Record<'ops_viewer' | 'ops_admin', string>>;
}

/**
 * The console's Content-Security-Policy: its own files and its own origin (the operator API), nothing else;
 * in AWS also the two Cognito origins the sign-in calls (the managed login's token endpoint and the identity
 * pool). The managed login's authorize and logout pages are navigations, which `connect-src` does not govern.
 */
export const consoleContentSecurityPolicy = (signIn?: Pick<ConsoleConfig, 'loginUrl' | 'identityUrl'>): string =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src ${["'self'", ...(signIn ? [signIn.loginUrl, signIn.identityUrl] : [])].join(' ')}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
