import { type KmsKeyName, kmsKeys } from '../../../platform/keys';
import { ConfigurationError, requiredVariable } from '../../shared/config';

/**
 * A KMS key ARN, parsed once at start. The keyrings need the full key ARN (not an alias): the
 * MRK-aware keyring matches the encrypted data keys of a message against it, and a function in the
 * secondary region gets the replica's ARN (same `mrk-` id, another region).
 */
export interface KmsKeyArn {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly keyId: string;
  /** A multi-Region key: its id starts with `mrk-`. */
  readonly multiRegion: boolean;
}

const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):key\/((?:mrk-[0-9a-f]{32})|(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))$/;

export const parseKmsKeyArn = (value: string, source = 'key ARN'): KmsKeyArn => {
  const match = KEY_ARN.exec(value);
  if (!match) throw new ConfigurationError(`Invalid environment: ${source} must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got '${value}'`);
  const [, partition = '', region = '', account = '', keyId = ''] = match;
  return { arn: value, partition, region, account, keyId, multiRegion: keyId.startsWith('mrk-') };
};

/** The ARN of a declared key (platform/keys.ts) from its environment variable; fails loudly if unset. */
export const kmsKeyArnFromEnv = (name: KmsKeyName): KmsKeyArn => {
  const variable = kmsKeys[name].envVar;
  return parseKmsKeyArn(requiredVariable(variable), variable);
};
