import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type KmsKeyDeclaration, type KmsKeyName, kmsKeyNames, kmsKeys } from '../../platform/keys';

/**
 * Key material of the local KMS: generated with node:crypto on first start, one entry per declared key
 * (platform/keys.ts), kept in `<state dir>/keys.json` with mode 0600 and never in the repository.
 * A key keeps its `mrk-` id and material across restarts, so data written by an earlier run still
 * decrypts. Only this process reads the file; nothing else ever sees the material.
 */
export interface StoredKey {
  readonly name: KmsKeyName;
  /** `mrk-` + 32 hex digits, like a real multi-Region key id. */
  readonly keyId: string;
  readonly alias: string;
  readonly description: string;
  readonly keySpec: KmsKeyDeclaration['keySpec'];
  readonly keyUsage: KmsKeyDeclaration['keyUsage'];
  /** Base64 of 32 random bytes: AES-256 key or HMAC-SHA256 key. */
  readonly material: string;
  readonly createdAt: string;
}

interface KeyFile {
  readonly version: 1;
  readonly keys: readonly StoredKey[];
}

export const KEY_FILE_NAME = 'keys.json';

const newKey = (name: KmsKeyName): StoredKey => {
  const declaration: KmsKeyDeclaration = kmsKeys[name];
  return {
    name,
    keyId: `mrk-${randomBytes(16).toString('hex')}`,
    alias: declaration.alias,
    description: declaration.description,
    keySpec: declaration.keySpec,
    keyUsage: declaration.keyUsage,
    material: randomBytes(32).toString('base64'),
    createdAt: new Date().toISOString(),
  };
};

/** Fresh material for every declared key, in memory (tests use it directly; the runtime persists it). */
export const newKeySet = (): StoredKey[] => kmsKeyNames.map(newKey);

const readKeyFile = (file: string): KeyFile | undefined => {
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
  if (parsed.version !== 1 || !Array.isArray(parsed.keys)) throw new Error(`${file} is not a local KMS key file`);
  return parsed;
};

/** Load the keys under `stateDir`, creating any declared key that is missing; the file stays 0600. */
export const loadOrCreateKeys = (stateDir: string): StoredKey[] => {
  const file = join(stateDir, KEY_FILE_NAME);
  const existing = readKeyFile(file)?.keys ?? [];
  const keys = [...existing];
  for (const name of kmsKeyNames) {
    if (!keys.some((key) => key.name === name)) keys.push(newKey(name));
  }
  if (keys.length !== existing.length) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ version: 1, keys } satisfies KeyFile, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, file);
  }
  chmodSync(file, 0o600);
  return keys;
};
