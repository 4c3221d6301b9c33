import { createHash } from 'node:crypto';
import type { FileEntryWithStats, SFTPWrapper } from 'ssh2';
import ssh2 from 'ssh2';
import { ConfigurationError, processEnvironment } from '../../shared/config';
import type { PublishedFile } from '../../ports/settlement-report-source';

// ssh2 is CommonJS: its named exports come from the default import.
const { Client, utils } = ssh2;

/**
 * The platform's side of a counterparty's SFTP server, on the `ssh2` package's Client: key authentication
 * only, and the server's host key PINNED: the SHA-256 fingerprint of the key it presents must be the one
 * configured (OpenSSH's `SHA256:<base64>` form, as `ssh-keygen -lf` prints it), or the connection is refused
 * before anything is sent or read (SftpHostKeyMismatchError). One connection per `use`, closed after: a
 * Lambda instance frozen between invocations keeps no half-dead socket, and a call costs one handshake.
 *
 * Configuration (`<PREFIX>` is SETTLEMENT for the acquirers' reports, MERIDIAN for the bank's files):
 *   <PREFIX>_SFTP_URL             sftp://user@host:port (where; not secret)
 *   <PREFIX>_SFTP_PRIVATE_KEY     the platform's private key, OpenSSH or PEM (a secret)
 *   <PREFIX>_SFTP_HOST_KEY        the server's pinned host key fingerprint (a secret, so that it rotates with the key)
 * In AWS the last two come from Secrets Manager (platform/functions.ts `secrets`, lambdas/shared/secrets.ts).
 */
export interface SftpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly privateKey: string;
  /** `SHA256:` and the unpadded base64 of the SHA-256 of the host key's SSH wire form. */
  readonly hostKeySha256: string;
}

/** The server presented another host key than the pinned one: nothing was sent. */
export class SftpHostKeyMismatchError extends Error {
  override readonly name = 'SftpHostKeyMismatchError';
}

/** The file or directory does not exist on the server (SFTP status NO_SUCH_FILE). */
export class SftpNoSuchFileError extends Error {
  override readonly name = 'SftpNoSuchFileError';
}

/** OpenSSH's fingerprint of a public key (its SSH wire form, or an `ssh-ed25519 AAAA...` line). */
export const sshKeyFingerprint = (key: Buffer | string): string => {
  let blob: Buffer;
  if (typeof key === 'string') {
    const parsed = utils.parseKey(key);
    if (parsed instanceof Error) throw new ConfigurationError(`Not an SSH public key: ${parsed.message}`);
    blob = (Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH();
  } else {
    blob = key;
  }
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
};

export const sftpEndpointFromEnv = (prefix: 'SETTLEMENT' | 'MERIDIAN', env: NodeJS.ProcessEnv = processEnvironment()): SftpEndpoint => {
  const variable = (name: string): string => {
    const value = env[`${prefix}_${name}`];
    if (!value) throw new ConfigurationError(`Invalid environment: ${prefix}_${name} is not set`);
    return value;
  };
  let url: URL;
  try {
    url = new URL(variable('SFTP_URL'));
  } catch (error) {
    throw new ConfigurationError(`Invalid environment: ${prefix}_SFTP_URL is not a URL`, { cause: error });
  }
  if (url.protocol !== 'sftp:' || !url.username || !url.hostname) throw new ConfigurationError(`Invalid environment: ${prefix}_SFTP_URL must be sftp://user@host[:port]`);
  const hostKeySha256 = variable('SFTP_HOST_KEY');
  if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(hostKeySha256)) throw new ConfigurationError(`Invalid environment: ${prefix}_SFTP_HOST_KEY must be an OpenSSH SHA256 fingerprint`);
  return { host: url.hostname, port: url.port ? Number(url.port) : 22, username: decodeURIComponent(url.username), privateKey: variable('SFTP_PRIVATE_KEY'), hostKeySha256 };
};

const CONNECT_TIMEOUT_MS = 10_000;

const callback = <T>(run: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => run((error, value) => (error ? reject(noSuchFile(error)) : resolve(value as T))));

/** ssh2 reports SFTP statuses as errors with a numeric `code`. */
const noSuchFile = (error: Error): Error =>
  (error as Error & { code?: unknown }).code === utils.sftp.STATUS_CODE.NO_SUCH_FILE ? new SftpNoSuchFileError(error.message, { cause: error }) : error;

/** The few SFTP operations the platform uses, as promises. */
export class SftpFiles {
  constructor(private readonly sftp: SFTPWrapper) {}

  readFile(path: string): Promise<Buffer> {
    return callback<Buffer>((done) => this.sftp.readFile(path, (error, data) => done(error, data)));
  }

  /** Whether a file is there (false for NO_SUCH_FILE; other errors are thrown). */
  async exists(path: string): Promise<boolean> {
    try {
      await callback((done) => this.sftp.stat(path, (error, stats) => done(error, stats)));
      return true;
    } catch (error) {
      if (error instanceof SftpNoSuchFileError) return false;
      throw error;
    }
  }

  writeFile(path: string, data: string | Buffer): Promise<void> {
    return callback<void>((done) => this.sftp.writeFile(path, data, { mode: 0o600 }, (error) => done(error)));
  }

  /** SFTP v3 rename: refused when `to` exists. */
  rename(from: string, to: string): Promise<void> {
    return callback<void>((done) => this.sftp.rename(from, to, (error) => done(error)));
  }

  remove(path: string): Promise<void> {
    return callback<void>((done) => this.sftp.unlink(path, (error) => done(error)));
  }

  /** The names of the regular files in a directory, sorted. */
  async list(path: string): Promise<string[]> {
    return (await this.listFiles(path)).map((file) => file.name);
  }

  /** The regular files in a directory with when each was last modified (the server's mtime), sorted by name. */
  async listFiles(path: string): Promise<PublishedFile[]> {
    const entries = await callback<FileEntryWithStats[]>((done) => this.sftp.readdir(path, (error, list) => done(error, list)));
    return entries
      .filter((entry) => entry.attrs.isFile())
      .map((entry) => ({ name: entry.filename, modifiedAt: new Date(entry.attrs.mtime * 1000) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** An open SFTP connection (`SftpSession.connect`): its files until `close()` or until the server drops it. */
export interface SftpConnection {
  readonly files: SftpFiles;
  /** True once the connection has ended, whoever ended it. */
  readonly closed: boolean;
  close(): void;
}

export class SftpSession {
  constructor(private readonly endpoint: SftpEndpoint) {}

  /** Connect (checking the host key), run `work` on the SFTP channel, disconnect. */
  async use<T>(work: (files: SftpFiles) => Promise<T>): Promise<T> {
    const connection = await this.connect();
    try {
      return await work(connection.files);
    } finally {
      connection.close();
    }
  }

  /**
   * Connect (checking the host key) and keep the connection open until `close()`: for a caller that polls
   * a directory several times a second from one long-lived process (the local payout-rail bridge), where a
   * handshake per look would cost more than the look. Functions use `use` (see above).
   */
  async connect(): Promise<SftpConnection> {
    const client = new Client();
    let presented: string | undefined;
    let closed = false;
    client.on('close', () => {
      closed = true;
    });
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      client.on('error', (error) => {
        reject(presented && presented !== this.endpoint.hostKeySha256
          ? new SftpHostKeyMismatchError(`${this.endpoint.host}:${this.endpoint.port} presented host key ${presented}, not the pinned one`, { cause: error })
          : error);
      });
      client.on('ready', () => client.sftp((error, channel) => (error ? reject(error) : resolve(channel))));
      client.connect({
        host: this.endpoint.host,
        port: this.endpoint.port,
        username: this.endpoint.username,
        privateKey: this.endpoint.privateKey,
        readyTimeout: CONNECT_TIMEOUT_MS,
        hostVerifier: (key: Buffer) => {
          presented = sshKeyFingerprint(key);
          return presented === this.endpoint.hostKeySha256;
        },
      });
      // Small request/answer packets: without this, Nagle and delayed ACKs add ~80 ms to every round trip.
      client.setNoDelay(true);
    });
    return {
      files: new SftpFiles(sftp),
      get closed() {
        return closed;
      },
      close: () => {
        closed = true;
        client.end();
      },
    };
  }
}
