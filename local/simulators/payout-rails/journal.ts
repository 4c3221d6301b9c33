import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A simulator's durable memory: one JSON object per line, appended synchronously before the simulator
 * answers or acts, replayed on start (a torn last line is ignored). Absent path: memory only.
 */
export class Journal<Entry> {
  constructor(private readonly path: string | undefined) {
    if (path) mkdirSync(dirname(path), { recursive: true });
  }

  load(): Entry[] {
    if (!this.path || !existsSync(this.path)) return [];
    const entries: Entry[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        entries.push(JSON.parse(line) as Entry);
      } catch {
        // A line cut by a crash mid-write: everything before it stands.
      }
    }
    return entries;
  }

  append(entry: Entry): void {
    if (this.path) appendFileSync(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }
}
