import { createPlatformApp } from '../lib/app';

/**
 * CDK app: `npx cdk synth` (offline, no credentials) or `npx cdk deploy --all` (see docs/deploy.md).
 * The account comes from `-c account=...`, else the CLI's credentials; with neither, a placeholder
 * lets synth run offline and is never deployable. Security gates always run (lib/app.ts).
 */
const OFFLINE_PLACEHOLDER_ACCOUNT = '111111111111';

const context = JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as {
  account?: string;
  merchantApiDomain?: string;
  merchantApiHostedZoneId?: string;
  merchantApiHostedZoneName?: string;
  regionalApiUrls?: string;
};
/**
 * The merchant API's custom domain and its failover records: platform/deployment.ts `merchantApiDomain`, or
 * `-c merchantApiDomain=api.example.com -c merchantApiHostedZoneId=Z... -c merchantApiHostedZoneName=example.com`.
 */
const merchantApiDomain =
  context.merchantApiDomain && context.merchantApiHostedZoneId && context.merchantApiHostedZoneName
    ? { domainName: context.merchantApiDomain, hostedZoneId: context.merchantApiHostedZoneId, hostedZoneName: context.merchantApiHostedZoneName }
    : undefined;
/**
 * Each region's regional merchant API base URL, once both are deployed (decision 0039: acquirer webhooks for a
 * merchant homed in the other region are forwarded there): `-c regionalApiUrls='{"us-east-1":"https://…/prod",
 * "us-west-2":"https://…/prod"}'` on the second deploy.
 */
const regionalApiUrls = context.regionalApiUrls ? (JSON.parse(context.regionalApiUrls) as Record<string, string>) : undefined;
const { app } = createPlatformApp({
  account: context.account ?? process.env.CDK_DEFAULT_ACCOUNT ?? OFFLINE_PLACEHOLDER_ACCOUNT,
  ...(merchantApiDomain ? { merchantApiDomain } : {}),
  ...(regionalApiUrls ? { regionalApiUrls } : {}),
});
app.synth();
