import { createPlatformApp } from '../lib/app';

/**
 * CDK app: `npx cdk synth` (offline, no credentials) or `npx cdk deploy --all` (see docs/deploy.md).
 * The account comes from `-c account=...`, else the CLI's credentials; with neither, a placeholder
 * lets synth run offline and is never deployable. Security gates always run (lib/app.ts).
 */
const OFFLINE_PLACEHOLDER_ACCOUNT = '111111111111';

const contextAccount = (JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as { account?: string }).account;
const { app } = createPlatformApp({
  account: contextAccount ?? process.env.CDK_DEFAULT_ACCOUNT ?? OFFLINE_PLACEHOLDER_ACCOUNT,
});
app.synth();
