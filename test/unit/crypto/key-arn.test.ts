import { kmsKeyArnFromEnv, parseKmsKeyArn } from '../../../lambdas/adapters/crypto/key-arn';
import { ConfigurationError } from '../../../lambdas/shared/config';

/** Key ARNs are parsed once at start; anything but a full key ARN stops the function loudly. */
describe('parseKmsKeyArn', () => {
  it('reads region, account and key id of a multi-Region key ARN', () => {
    expect(parseKmsKeyArn('arn:aws:kms:us-west-2:123456789012:key/mrk-0123456789abcdef0123456789abcdef')).toEqual({
      arn: 'arn:aws:kms:us-west-2:123456789012:key/mrk-0123456789abcdef0123456789abcdef',
      partition: 'aws',
      region: 'us-west-2',
      account: '123456789012',
      keyId: 'mrk-0123456789abcdef0123456789abcdef',
      multiRegion: true,
    });
    expect(parseKmsKeyArn('arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab').multiRegion).toBe(false);
  });

  it.each([
    'alias/xborder-data',
    'arn:aws:kms:us-east-1:123456789012:alias/xborder-data',
    'mrk-0123456789abcdef0123456789abcdef',
    'arn:aws:kms:us-east-1:1234:key/mrk-0123456789abcdef0123456789abcdef',
    '',
  ])('refuses %j: keyrings need a full key ARN', (value) => {
    expect(() => parseKmsKeyArn(value)).toThrow(ConfigurationError);
  });

  it('names the missing variable', () => {
    const saved = process.env.FINGERPRINT_KEY_ARN;
    delete process.env.FINGERPRINT_KEY_ARN;
    try {
      expect(() => kmsKeyArnFromEnv('fingerprint')).toThrow('FINGERPRINT_KEY_ARN is not set');
    } finally {
      if (saved !== undefined) process.env.FINGERPRINT_KEY_ARN = saved;
    }
  });
});
