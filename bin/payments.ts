import { App } from 'aws-cdk-lib';
import { buildPlatform } from '../lib/platform';

/**
 * CDK app: `npx cdk synth` (offline, no credentials) or `npx cdk deploy --all` (see docs/deploy.md).
 * The account comes from `-c account=...`, else the CLI's credentials; with neither, a placeholder
 * lets synth run offline and is never deployable.
 */
const OFFLINE_PLACEHOLDER_ACCOUNT = '111111111111';

const app = new App();
const account: string =
  app.node.tryGetContext('account') ?? process.env.CDK_DEFAULT_ACCOUNT ?? OFFLINE_PLACEHOLDER_ACCOUNT;
buildPlatform(app, account);
app.synth();
