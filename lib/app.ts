import { join } from 'node:path';
import { App, type AppProps, Aspects, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { SourceAccountOnServicePermissions } from './gates/source-account-on-service-permissions';
import { type MerchantApiDomainConfig, deployment } from '../platform/deployment';
import { FEATURE_FLAGS } from './feature-flags';
import { type PlatformStacks, buildPlatform } from './platform';

/**
 * Guard rules of our own, run by the same cfn-guard validator as the Control Tower rules: the resource
 * types those rules and cdk-nag never look at (the tables are AWS::DynamoDB::GlobalTable). One rule per
 * file; docs/security.md lists them.
 */
export const GUARD_RULES_DIR = join(import.meta.dirname, 'gates', 'guard');

/** cfn-guard with the Control Tower rules and ours; a finding fails synthesis unless acknowledged. */
export const guardValidator = (options: { readonly controlTowerRules?: boolean } = {}): CfnGuardValidator =>
  new CfnGuardValidator({ controlTowerRulesEnabled: options.controlTowerRules ?? true, rules: [GUARD_RULES_DIR], maxBuffer: 64 * 1024 * 1024 });

/**
 * The CDK app with its security gates: cdk-nag's AWS Solutions, PCI DSS 3.2.1 and NIST 800-53 rev 5
 * packs, and cfn-guard with the AWS Control Tower rules and our own (lib/gates/guard/). Any finding not
 * acknowledged next to its resource (with a reason) fails synthesis, so `cdk synth` and `cdk deploy`
 * cannot pass with one.
 * Every service principal's Lambda permission also gets SourceAccount (an aspect, as CDK omits it).
 * docs/security.md lists every acknowledgement and why it is right.
 */
export interface PlatformAppOptions extends AppProps {
  readonly account: string;
  /** Off only for fast unit-level template tests; `bin/payments.ts` always gates. */
  readonly gates?: boolean;
  /** The merchant API's custom domain (default: platform/deployment.ts `merchantApiDomain`; tests set one). */
  readonly merchantApiDomain?: MerchantApiDomainConfig;
  /**
   * Each region's regional merchant API base URL (`https://<api id>.execute-api.<region>.amazonaws.com/prod`), known
   * after both regions are deployed once: acquirer webhooks for a merchant homed in the other region are forwarded
   * there (decision 0039). Absent: nothing is forwarded.
   */
  readonly regionalApiUrls?: Readonly<Record<string, string>>;
}

export const createPlatformApp = (options: PlatformAppOptions): { app: App; stacks: PlatformStacks } => {
  const { account, gates = true, merchantApiDomain = deployment.merchantApiDomain, regionalApiUrls, ...appProps } = options;
  const app = new App({
    ...appProps,
    context: { ...FEATURE_FLAGS, ...appProps.context },
  });
  const stacks = buildPlatform(app, account, { merchantApiDomain, ...(regionalApiUrls ? { regionalApiUrls } : {}) });
  Aspects.of(app).add(new SourceAccountOnServicePermissions());
  if (gates) addSecurityGates(app);
  return { app, stacks };
};

/** The gates every synthesis of the platform passes: a finding fails `app.synth()` (and `cdk synth`). */
export const addSecurityGates = (app: App): void => {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app), new NIST80053R5Checks(app), guardValidator());
};

export interface Acknowledgement {
  readonly path: string;
  readonly gate: 'cdk-nag' | 'cfn-guard';
  readonly rule: string;
  readonly reason: string;
}

/** Every acknowledgement recorded on the app's constructs (cdk-nag and cfn-guard), for tests and docs. */
export const acknowledgementsOf = (app: App): Acknowledgement[] =>
  app.node.findAll().flatMap((construct) =>
    construct.node.metadata.flatMap((entry): Acknowledgement[] => {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) return [];
      return Object.entries(entry.data as Record<string, string>).map(([id, reason]) => {
        const rule = id.replace(/^Annotation::/, '');
        const guard = rule.startsWith('cdk-validator-cfnguard::');
        return { path: construct.node.path, gate: guard ? 'cfn-guard' : 'cdk-nag', rule: rule.replace(/^cdk-validator-cfnguard::/, ''), reason };
      });
    }),
  );
