import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KMS } from '@aws-sdk/client-kms';
import { type KmsOperation, LocalKmsEngine } from '../../local/kms/engine';
import { newKeySet } from '../../local/kms/key-store';
import { type LocalKms, startLocalKms } from '../../local/kms/server';
import { deployment } from '../../platform/deployment';
import { kmsKeys } from '../../platform/keys';

/**
 * KMS for tests. Unit tests: the local KMS engine called in-process as the keyring's client (real
 * crypto, KMS's rules, no socket), counting calls per operation. Integration tests: the local KMS
 * endpoint over real HTTP, with the handler environment pointed at it.
 */
export type EngineKmsClient = Pick<KMS, 'generateDataKey' | 'encrypt' | 'decrypt' | 'generateMac'>;

export const inMemoryKms = (engine = new LocalKmsEngine(newKeySet())) => {
  const call =
    <Input, Output>(operation: KmsOperation, run: (region: string, input: Input) => Output) =>
    (region: string) =>
    async (input: Input): Promise<Output> => {
      engine.count(operation);
      return run(region, input);
    };
  const generateDataKey = call('GenerateDataKey', engine.generateDataKey.bind(engine));
  const encrypt = call('Encrypt', engine.encrypt.bind(engine));
  const decrypt = call('Decrypt', engine.decrypt.bind(engine));
  const generateMac = call('GenerateMac', engine.generateMac.bind(engine));
  return {
    engine,
    /** A client in one region, shaped like the SDK's aggregated KMS client where the keyrings use it. */
    client: (region: string = deployment.primaryRegion): EngineKmsClient =>
      ({ generateDataKey: generateDataKey(region), encrypt: encrypt(region), decrypt: decrypt(region), generateMac: generateMac(region) }) as unknown as EngineKmsClient,
  };
};

export interface TestKms {
  readonly kms: LocalKms;
  stop(): Promise<void>;
}

/** A local KMS endpoint for this test file (its own keys in a temp dir); sets the variables handlers read. */
export const useLocalKms = async (): Promise<TestKms> => {
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-kms-'));
  const kms = await startLocalKms({ stateDir });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_KMS: kms.url,
    [kmsKeys.data.envVar]: kms.keyArn('data'),
    [kmsKeys.fingerprint.envVar]: kms.keyArn('fingerprint'),
  });
  return {
    kms,
    stop: async () => {
      await kms.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
};
