import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigurationError, awsRegion, readConfig, requiredVariable, secretValue, storeSecretValue } from '../../../lambdas/shared/config';
import * as z from 'zod/mini';

const lambdas = join(import.meta.dirname, '..', '..', '..', 'lambdas');

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

describe('the config module', () => {
  it('is the only module of lambdas/ that reads process.env', () => {
    // Prepare
    const files = sources(lambdas);

    // Act
    const readers = files.filter((file) => /process\.env\b/.test(readFileSync(file, 'utf8'))).map((file) => relative(lambdas, file));

    // Assess
    expect(files.length).toBeGreaterThan(100);
    expect(readers).toEqual(['shared/config.ts']);
  });

  it('names every bad variable, and a missing required one, in a ConfigurationError', () => {
    expect(() => readConfig({ XBORDER_TEST_NUMBER: z.string().check(z.regex(/^\d+$/)), XBORDER_TEST_MISSING: z.string() })).toThrow(ConfigurationError);
    expect(() => requiredVariable('XBORDER_TEST_NOT_SET')).toThrow(/XBORDER_TEST_NOT_SET is not set/);
  });

  it('parses AWS_REGION once, refusing to start without one, and reads a refreshed secret at each use', () => {
    const set = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    expect(() => awsRegion()).toThrow(/AWS_REGION/);
    process.env.AWS_REGION = 'eu-west-1';
    expect(awsRegion()).toBe('eu-west-1');
    process.env.AWS_REGION = 'ap-south-1';
    expect(awsRegion()).toBe('eu-west-1');
    if (set === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = set;
    expect(storeSecretValue('XBORDER_TEST_SECRET', 'one')).toBe(true);
    expect(storeSecretValue('XBORDER_TEST_SECRET', 'one')).toBe(false);
    expect(storeSecretValue('XBORDER_TEST_SECRET', 'two')).toBe(true);
    expect(secretValue('XBORDER_TEST_SECRET')).toBe('two');
  });
});
