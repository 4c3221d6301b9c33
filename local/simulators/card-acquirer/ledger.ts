import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LedgerEntry } from './model';

/**
 * The simulator's durable operations ledger: `operations.jsonl` in its directory, one JSON line per
 * request answered (or settlement made), append-only, fsync'd before the answer leaves. Appends that
 * arrive while a write is in flight are written and fsync'd together (group commit), so a burst of
 * requests costs one fsync, not one each. On open, a torn last line (a crash mid-write) is cut off:
 * its request was never answered, so the client retries it and it is applied then.
 * Without a directory the ledger lives in memory only.
 */
export interface Ledger {
  /** Resolves once the entry is on disk; rejects (and every later append too) if writing failed. */
  append(entry: LedgerEntry): Promise<void>;
  close(): Promise<void>;
}

export interface OpenedLedger {
  readonly ledger: Ledger;
  readonly entries: readonly LedgerEntry[];
  /** Secret for HMACs (card fingerprints, request hashes), kept next to the ledger so they stay stable. */
  readonly secret: Buffer;
}

export class LedgerCorruptError extends Error {
  override readonly name = 'LedgerCorruptError';
}

const LEDGER_FILE = 'operations.jsonl';
const SECRET_FILE = 'simulator.key';

const readOrCreateSecret = async (directory: string): Promise<Buffer> => {
  const path = join(directory, SECRET_FILE);
  try {
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const secret = randomBytes(32);
    await writeFile(path, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  }
};

const loadEntries = async (path: string): Promise<LedgerEntry[]> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const complete = text.lastIndexOf('\n') + 1;
  if (complete < text.length) await truncate(path, Buffer.byteLength(text.slice(0, complete)));
  return text
    .slice(0, complete)
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, index) => {
      try {
        return JSON.parse(line) as LedgerEntry;
      } catch (error) {
        throw new LedgerCorruptError(`${path}: line ${index + 1} is not JSON`, { cause: error });
      }
    });
};

class FileLedger implements Ledger {
  private pending: { line: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly handle: FileHandle) {}

  append(entry: LedgerEntry): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ line: `${JSON.stringify(entry)}\n`, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.handle.appendFile(batch.map((item) => item.line).join(''));
        await this.handle.sync();
        for (const item of batch) item.resolve();
      } catch (error) {
        this.failure = error;
        for (const item of [...batch, ...this.pending]) item.reject(error);
        this.pending = [];
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }
}

const memoryLedger: Ledger = { append: () => Promise.resolve(), close: () => Promise.resolve() };

export const openLedger = async (directory: string | undefined): Promise<OpenedLedger> => {
  if (!directory) return { ledger: memoryLedger, entries: [], secret: randomBytes(32) };
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const secret = await readOrCreateSecret(directory);
  const path = join(directory, LEDGER_FILE);
  const entries = await loadEntries(path);
  const handle = await open(path, 'a', 0o600);
  return { ledger: new FileLedger(handle), entries, secret };
};
