import type { RailInbox, RailInboxMessage } from '../../ports/rail-inbox';

/**
 * Read a rail's inbox once (decision 0028; docs/decisions/0012 for what a rail's answer does to a payout):
 * each waiting file is handed, with its signature, to `receive` (receiveRailMessage: authenticate, parse,
 * apply to the payouts). A file received (2xx) is moved to `processed/`; a file refused as not authentic or
 * not readable (4xx) to `refused/` with the reason beside it, for operations (a forged return file must never
 * credit a merchant, and must not be read again and again); a file whose receiving failed otherwise (a
 * throttled table, a workflow that could not start) stays where it is, for the next pull. Applying a file's
 * events twice changes nothing (applyRailEvents records only a word that goes further), so a crash between
 * receiving and filing away is safe. Files are read in name order until `deadline`; the rest wait.
 */
export interface PullRailInboxDeps {
  readonly inbox: RailInbox;
  readonly receive: (message: RailInboxMessage) => Promise<{ readonly status: number; readonly body: string }>;
  /** Start no new file after this time (ms since the epoch): the function's own timeout comes later. */
  readonly deadline?: number;
  readonly clock?: () => number;
}

export interface PullRailInboxResult {
  readonly processed: readonly string[];
  readonly refused: readonly { readonly name: string; readonly reason: string }[];
  /** Files left in the inbox for the next pull, with the error's name (never its message: it may quote the file). */
  readonly failed: readonly { readonly name: string; readonly error: string }[];
  /** Files not started because the deadline came. */
  readonly deferred: number;
}

export const pullRailInbox = async (deps: PullRailInboxDeps): Promise<PullRailInboxResult> => {
  const clock = deps.clock ?? Date.now;
  const names = await deps.inbox.waiting();
  const processed: string[] = [];
  const refused: { name: string; reason: string }[] = [];
  const failed: { name: string; error: string }[] = [];
  let deferred = 0;
  for (const name of names) {
    if (deps.deadline !== undefined && clock() >= deps.deadline) {
      deferred += 1;
      continue;
    }
    try {
      const answer = await deps.receive(await deps.inbox.read(name));
      if (answer.status >= 200 && answer.status < 300) {
        await deps.inbox.fileAway(name, { accepted: true });
        processed.push(name);
      } else if (answer.status >= 400 && answer.status < 500) {
        await deps.inbox.fileAway(name, { accepted: false, reason: answer.body });
        refused.push({ name, reason: answer.body });
      } else {
        failed.push({ name, error: `status ${answer.status}` });
      }
    } catch (error) {
      failed.push({ name, error: error instanceof Error ? error.name : 'Error' });
    }
  }
  return { processed, refused, failed, deferred };
};
