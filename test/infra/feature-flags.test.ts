import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { createPlatformApp } from '../../lib/app';
import { FEATURE_FLAG_OVERRIDES, FEATURE_FLAGS, RECOMMENDED_FEATURE_FLAGS_REVIEWED } from '../../lib/feature-flags';

/**
 * The recommended feature flags (lib/feature-flags.ts): the reviewed list is the installed aws-cdk-lib's
 * recommendation, flag for flag, so an upgrade that recommends something new fails here until its diff has been
 * read and the list updated; and the platform's app carries every flag, overrides included.
 */
it('reviewed exactly the flags the installed aws-cdk-lib recommends, with its values', () => {
  expect(RECOMMENDED_FEATURE_FLAGS_REVIEWED).toEqual(CURRENTLY_RECOMMENDED_FLAGS);
});

it('overrides only flags it has reviewed', () => {
  for (const flag of Object.keys(FEATURE_FLAG_OVERRIDES)) expect(Object.keys(RECOMMENDED_FEATURE_FLAGS_REVIEWED)).toContain(flag);
});

it('synthesizes the platform with every flag set as adopted, overrides included', () => {
  const { app } = createPlatformApp({ account: '123456789012', gates: false, outdir: mkdtempSync(join(tmpdir(), 'xborder-flags-')), context: { 'aws:cdk:bundling-stacks': [] } });
  for (const [flag, value] of Object.entries(FEATURE_FLAGS)) expect([flag, app.node.tryGetContext(flag)]).toEqual([flag, value]);
  expect(app.node.tryGetContext('@aws-cdk/core:defaultCrossStackReferences')).toBe('strong');
});
