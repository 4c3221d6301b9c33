import type { RailMessage } from './payout-rail';

/** A file from a rail's inbox, as a rail message. */
export type RailInboxMessage = Extract<RailMessage, { kind: 'file' }>;

/**
 * A payout rail's inbox: the directory where the bank drops its answers (Meridian's ACH entry status reports,
 * NACHA returns, pain.002 and pacs.004 files, each with its detached `.sig`). Read over SFTP, in AWS by the
 * scheduled pull and locally by the payout-rail bridge (decision 0028).
 */
export interface RailInbox {
  /** The files waiting to be read, their signatures aside, sorted by name. */
  waiting(): Promise<string[]>;
  /** A waiting file and its signature (none when the bank wrote none: the parser refuses it). */
  read(name: string): Promise<RailInboxMessage>;
  /**
   * Take a read file (and its signature) out of the inbox: into `processed/`, or into `refused/` beside a
   * `<name>.reason.txt` that tells operations why.
   */
  fileAway(name: string, outcome: { readonly accepted: true } | { readonly accepted: false; readonly reason: string }): Promise<void>;
}
