import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { sshKeyFingerprint } from '../../../lambdas/adapters/sftp/sftp-session';

// ssh2 is CommonJS: its named exports come from the default import.
const { utils } = ssh2;

/**
 * SSH keys of the local SFTP channels, generated on first use into a directory of the state dir (0600) and
 * kept across restarts, like the local KMS's key material (no data in them): ssh2's `generateKeyPairSync`
 * writes OpenSSH-format Ed25519 keys, which OpenSSH's `sftp` and ssh2 both read.
 */
export interface SshKeyPair {
  /** OpenSSH private key. */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA... comment`. */
  readonly publicKey: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
  /** Where the private key is (for a standard client's `-i`). */
  readonly privateKeyFile: string;
}

export const ensureSshKey = (directory: string, name: string): SshKeyPair => {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const privateKeyFile = join(directory, `${name}_ed25519`);
  const publicKeyFile = `${privateKeyFile}.pub`;
  if (!existsSync(privateKeyFile) || !existsSync(publicKeyFile)) {
    let pair = utils.generateKeyPairSync('ed25519', { comment: `xborder-local-${name}` });
    // ssh2 1.17.0 drops a leading zero byte of the public key (about 1 key in 128), writing a key nobody
    // can parse: draw again until both halves read back.
    while (utils.parseKey(pair.public) instanceof Error || utils.parseKey(pair.private) instanceof Error) {
      pair = utils.generateKeyPairSync('ed25519', { comment: `xborder-local-${name}` });
    }
    writeFileSync(privateKeyFile, pair.private, { mode: 0o600 });
    writeFileSync(publicKeyFile, `${pair.public}\n`, { mode: 0o600 });
  }
  const publicKey = readFileSync(publicKeyFile, 'utf8').trim();
  return { privateKey: readFileSync(privateKeyFile, 'utf8'), publicKey, fingerprint: sshKeyFingerprint(publicKey), privateKeyFile };
};

/** A counterparty's Ed25519 key for signing its files (PKCS#8 PEM under `directory`, 0600), and its public half as the platform pins it. */
export interface FileSigningKey {
  readonly privateKey: KeyObject;
  /** Base64 of the SPKI DER: the value of MERIDIAN_FILE_SIGNING_KEYS. */
  readonly publicKey: string;
}

export const ensureFileSigningKey = (directory: string, name: string): FileSigningKey => {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const file = join(directory, `${name}.pem`);
  if (!existsSync(file)) writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  const privateKey = createPrivateKey(readFileSync(file));
  return { privateKey, publicKey: createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64') };
};
