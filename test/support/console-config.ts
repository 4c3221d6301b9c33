import type { ConsoleConfig } from '../../platform/console-config';

/** The config a deployed console reads (`config.json`, decision 0046), for the console's unit tests: one region's pool, client, login and API. */
export const testConsoleConfig: ConsoleConfig = {
  region: 'us-east-1',
  userPoolId: 'us-east-1_AbCdEf123',
  clientId: '3n4b5urk1ft4fl3mg5e62d9ado',
  loginUrl: 'https://xborder-operators-us-east-1-123456789012.auth.us-east-1.amazoncognito.com',
  identityPoolId: 'us-east-1:0f6b7c2e-1d2a-4c3b-9e8f-7a6b5c4d3e2f',
  identityUrl: 'https://cognito-identity.us-east-1.amazonaws.com',
  apiUrl: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod',
  consoleUrl: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/console/',
  roles: { ops_viewer: 'arn:aws:iam::123456789012:role/xborder-ops-viewer-us-east-1', ops_admin: 'arn:aws:iam::123456789012:role/xborder-ops-admin-us-east-1' },
};
