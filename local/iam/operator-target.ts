import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { deployment } from '../../platform/deployment';
import type { OperatorRole } from '../../platform/operator-routes';
import type { OperatorTarget } from '../../lambdas/adapters/http/operator-client';
import { readOperatorCredentials } from './operators';

/**
 * The target (lambdas/adapters/http/operator-client.ts) of an operator API client run by a person (the CLI,
 * `npm run ops`; the MCP server, `npm run mcp`): the local runtime's operator API and locally issued
 * credentials of one role, or an operator API in AWS with the default AWS credential chain (a profile
 * assuming the xborder-ops-viewer-<region> or xborder-ops-admin-<region> role). The MCP function in AWS
 * builds its own from its configuration (lambdas/wiring/mcp.ts).
 */

/** A target that cannot be built from what was given; the message says what to do. */
export class OperatorTargetError extends Error {
  override readonly name = 'OperatorTargetError';
}

/** The local runtime's operator API (`<state dir>/runtime.json`) with the role's credentials (`<state dir>/operators.json`). */
export const localOperatorTarget = (stateDirectory: string, role: OperatorRole): OperatorTarget => {
  const stateDir = resolve(stateDirectory);
  const runtimeFile = resolve(stateDir, 'runtime.json');
  if (!existsSync(runtimeFile)) throw new OperatorTargetError(`no ${runtimeFile}: start the platform with \`npm start\`, or use --aws --url`);
  const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8')) as { operatorApiUrl?: string };
  if (!runtime.operatorApiUrl) throw new OperatorTargetError(`${runtimeFile} names no operator API: restart \`npm start\``);
  const entry = readOperatorCredentials(resolve(stateDir, 'operators.json')).find((candidate) => candidate.role === role);
  if (!entry) throw new OperatorTargetError(`no ${role} credentials in ${resolve(stateDir, 'operators.json')}`);
  return {
    baseUrl: runtime.operatorApiUrl,
    credentials: { accessKeyId: entry.access_key_id, secretAccessKey: entry.secret_access_key },
    region: deployment.primaryRegion,
  };
};

/** An operator API in AWS (its stage URL) with the default AWS credential chain; the region from the URL unless given. */
export const awsOperatorTarget = async (url: string | undefined, region?: string): Promise<OperatorTarget> => {
  if (!url) throw new OperatorTargetError('--aws needs --url https://<api id>.execute-api.<region>.amazonaws.com/prod');
  const signingRegion = region ?? /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1] ?? (process.env.AWS_REGION || undefined);
  if (!signingRegion) throw new OperatorTargetError('give --region');
  // The SDK's default credential chain (environment, profile with role_arn, SSO...), through a client we already depend on.
  const client = new DynamoDBClient({ region: signingRegion });
  const credentials = await client.config.credentials();
  client.destroy();
  return { baseUrl: url, credentials, region: signingRegion };
};
