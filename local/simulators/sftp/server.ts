import { timingSafeEqual } from 'node:crypto';
import { type Stats, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, posix } from 'node:path';
import type { Attributes, Connection, ParsedKey, SFTPWrapper } from 'ssh2';
import ssh2 from 'ssh2';

// ssh2 is CommonJS: its named exports come from the default import.
const { Server, utils } = ssh2;

/**
 * A counterparty's SFTP server, simulated with the `ssh2` package's Server and its SFTP subsystem (the
 * protocol, key exchange and ciphers are the library's; this file maps SFTP requests onto a directory):
 * 127.0.0.1 on a free port, one host key, user public-key authentication only (no passwords, no shell, no
 * exec, no forwarding), and each user chrooted in its own directory: a path is resolved against `/` of
 * that directory, so `..` stops at its root. RENAME has SFTP v3 semantics (refused when the target exists),
 * which is what write-then-rename relies on. Standard clients (OpenSSH's `sftp`) and ssh2's Client speak to it.
 */
export interface SftpUser {
  /** The user's `/`. */
  readonly root: string;
  /** The one public key the user logs in with (OpenSSH `ssh-ed25519 AAAA...`). */
  readonly publicKey: string;
}

export interface SftpServerOptions {
  /** The server's private host key (OpenSSH format). */
  readonly hostKey: string;
  readonly users: Readonly<Record<string, SftpUser>>;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface SftpSimulator {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

const attributesOf = (stats: Stats): Attributes => ({
  mode: stats.mode,
  uid: stats.uid,
  gid: stats.gid,
  size: stats.size,
  atime: Math.floor(stats.atimeMs / 1000),
  mtime: Math.floor(stats.mtimeMs / 1000),
});

/** `ls -l`'s line, which OpenSSH's `ls -l` prints as the server sends it. */
const longName = (name: string, stats: Stats): string => {
  const type = stats.isDirectory() ? 'd' : '-';
  const bits = 'rwxrwxrwx'.split('').map((letter, index) => (stats.mode & (0o400 >> index) ? letter : '-')).join('');
  const date = stats.mtime.toISOString().slice(0, 16).replace('T', ' ');
  return `${type}${bits} 1 owner group ${String(stats.size).padStart(10)} ${date} ${name}`;
};

const errnoStatus = (error: unknown): number => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return STATUS_CODE.NO_SUCH_FILE;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EISDIR') return STATUS_CODE.PERMISSION_DENIED;
  return STATUS_CODE.FAILURE;
};

/** The SFTP subsystem of one session, confined to `root`. */
const serveSftp = (sftp: SFTPWrapper, root: string) => {
  const files = new Map<number, number>();
  const directories = new Map<number, { readonly path: string; sent: boolean }>();
  let nextHandle = 0;
  const handleOf = (id: number) => {
    const handle = Buffer.alloc(4);
    handle.writeUInt32BE(id);
    return handle;
  };
  const idOf = (handle: Buffer) => (handle.length === 4 ? handle.readUInt32BE(0) : -1);
  /** The client's path, made absolute and normalised against the user's `/`: never outside `root`. */
  const virtual = (path: string) => posix.resolve('/', path);
  const real = (path: string) => join(root, virtual(path));
  const attempt = (reqid: number, action: () => void) => {
    try {
      action();
    } catch (error) {
      sftp.status(reqid, errnoStatus(error), (error as NodeJS.ErrnoException).code ?? 'failure');
    }
  };

  sftp.on('REALPATH', (reqid, path) => {
    const resolved = virtual(path);
    sftp.name(reqid, [{ filename: resolved, longname: resolved, attrs: {} as Attributes }]);
  });
  const stat = (reqid: number, path: string) => attempt(reqid, () => sftp.attrs(reqid, attributesOf(statSync(real(path)))));
  sftp.on('STAT', stat);
  sftp.on('LSTAT', stat);
  sftp.on('OPEN', (reqid, path, flags, attrs) =>
    attempt(reqid, () => {
      const mode = utils.sftp.flagsToString(flags);
      if (!mode) throw Object.assign(new Error('bad flags'), { code: 'EINVAL' });
      // Files the platform writes are not for anyone else on the machine.
      const fd = openSync(real(path), mode, flags & OPEN_MODE.CREAT ? (attrs.mode ?? 0o600) & 0o777 : undefined);
      nextHandle += 1;
      files.set(nextHandle, fd);
      sftp.handle(reqid, handleOf(nextHandle));
    }),
  );
  sftp.on('READ', (reqid, handle, offset, length) =>
    attempt(reqid, () => {
      const fd = files.get(idOf(handle));
      if (fd === undefined) return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      const buffer = Buffer.alloc(Math.min(length, 256 * 1024));
      const read = readSync(fd, buffer, 0, buffer.length, offset);
      if (read === 0) sftp.status(reqid, STATUS_CODE.EOF);
      else sftp.data(reqid, buffer.subarray(0, read));
    }),
  );
  sftp.on('WRITE', (reqid, handle, offset, data) =>
    attempt(reqid, () => {
      const fd = files.get(idOf(handle));
      if (fd === undefined) return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      writeSync(fd, data, 0, data.length, offset);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on('FSTAT', (reqid, handle) =>
    attempt(reqid, () => {
      const fd = files.get(idOf(handle));
      if (fd === undefined) return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      sftp.attrs(reqid, attributesOf(fstatSync(fd)));
    }),
  );
  sftp.on('CLOSE', (reqid, handle) =>
    attempt(reqid, () => {
      const id = idOf(handle);
      const fd = files.get(id);
      if (fd !== undefined) closeSync(fd);
      files.delete(id);
      directories.delete(id);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on('OPENDIR', (reqid, path) =>
    attempt(reqid, () => {
      if (!statSync(real(path)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      nextHandle += 1;
      directories.set(nextHandle, { path: real(path), sent: false });
      sftp.handle(reqid, handleOf(nextHandle));
    }),
  );
  sftp.on('READDIR', (reqid, handle) =>
    attempt(reqid, () => {
      const directory = directories.get(idOf(handle));
      if (!directory) return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      if (directory.sent) return void sftp.status(reqid, STATUS_CODE.EOF);
      directory.sent = true;
      const entries = readdirSync(directory.path).flatMap((name) => {
        const stats = statSync(join(directory.path, name), { throwIfNoEntry: false });
        return stats ? [{ filename: name, longname: longName(name, stats), attrs: attributesOf(stats) }] : [];
      });
      if (entries.length === 0) sftp.status(reqid, STATUS_CODE.EOF);
      else sftp.name(reqid, entries);
    }),
  );
  sftp.on('RENAME', (reqid, from, to) =>
    attempt(reqid, () => {
      if (existsSync(real(to))) throw Object.assign(new Error('target exists'), { code: 'EEXIST' });
      renameSync(real(from), real(to));
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on('REMOVE', (reqid, path) => attempt(reqid, () => (unlinkSync(real(path)), sftp.status(reqid, STATUS_CODE.OK))));
  sftp.on('MKDIR', (reqid, path) => attempt(reqid, () => (mkdirSync(real(path), { mode: 0o700 }), sftp.status(reqid, STATUS_CODE.OK))));
  sftp.on('RMDIR', (reqid, path) => attempt(reqid, () => (rmdirSync(real(path)), sftp.status(reqid, STATUS_CODE.OK))));
  // Attributes stay as the server sets them; accepting the request keeps clients that send it (`put -p`) working.
  sftp.on('SETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
  sftp.on('FSETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
  // The client is done (OpenSSH's sftp closes its side at `bye`): close ours, or it waits for ever.
  sftp.on('end', () => sftp.end());
  sftp.on('close', () => {
    for (const fd of files.values()) closeSync(fd);
    files.clear();
  });
};

export const startSftpServer = async (options: SftpServerOptions): Promise<SftpSimulator> => {
  const log = options.log ?? (() => undefined);
  const allowed = new Map<string, { readonly root: string; readonly key: ParsedKey }>();
  for (const [name, user] of Object.entries(options.users)) {
    const key = utils.parseKey(user.publicKey);
    if (key instanceof Error) throw new Error(`SFTP user ${name}: ${key.message}`);
    mkdirSync(user.root, { recursive: true });
    allowed.set(name, { root: user.root, key });
  }
  const connections = new Set<Connection>();
  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    connections.add(client);
    // Small request/answer packets: without this, Nagle and delayed ACKs add ~80 ms to every round trip
    // (ssh2's Connection has the method; its typings miss it).
    (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    let root: string | undefined;
    client.on('authentication', (context) => {
      const user = allowed.get(context.username);
      if (context.method !== 'publickey' || !user) return context.reject(['publickey']);
      const expected = user.key.getPublicSSH();
      const offered = context.key.data;
      if (context.key.algo !== user.key.type || offered.length !== expected.length || !timingSafeEqual(offered, expected)) return context.reject(['publickey']);
      // Without a signature the client only asks whether the key would do; with one it proves it holds it.
      if (!context.signature) return context.accept();
      if (!context.blob || user.key.verify(context.blob, context.signature, context.hashAlgo) !== true) return context.reject(['publickey']);
      root = user.root;
      context.accept();
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => {
          if (root) serveSftp(acceptSftp(), root);
        });
      });
    });
    client.on('error', (error) => log('sftp connection error', { error: error.message }));
    client.on('close', () => connections.delete(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    stop: async () => {
      for (const connection of connections) connection.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
