import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { isIdOf } from './ids';

/**
 * The audit log: every state-changing action appended to a hash chain (docs/decisions/0008-audit-log.md).
 *
 * A merchant's log in one writing region is AUDIT_STRIPES independent chains (stripes), so that concurrent
 * appends of a busy merchant spread over several chain ends instead of queueing on one. Entry n of a
 * chain carries `prev_hash` = the hash of entry n-1 (64 zeros for entry 1) and `hash` = SHA-256 of the
 * canonical JSON of all its other fields, so changing any field of any entry, removing one or reordering
 * them breaks its chain at that entry. The entry format is a contract for verifiers, kept in the
 * snake_case it is stored and served in.
 *
 * Snapshots (`before`, `after`) are the objects' public JSON, which never holds card or bank data.
 */
/** Whose audit chain records operators' acts on what no merchant owns (a break of an unknown batch, a platform workflow). */
export const PLATFORM_AUDIT_SUBJECT = 'mer_platform';

export const GENESIS_HASH = '0'.repeat(64);

/** Chains per merchant and region (docs/decisions/0008-audit-log.md has the measurements behind 8). */
export const AUDIT_STRIPES = 16;

/** One chain: a merchant's stripe in one region. */
export interface ChainId {
  readonly merchantId: string;
  readonly region: string;
  readonly stripe: number;
}

export type AuditActor =
  | { readonly type: 'merchant'; readonly merchant_id: string; readonly api_key: string }
  /** `agent`: the software agent that acted with the operator's credentials (the MCP server), when it said so. */
  /** `user`: the Cognito user pool user (`sub`) who signed in through the console in AWS (decision 0033 section 4). */
  | { readonly type: 'operator'; readonly role: string; readonly arn: string; readonly user?: string; readonly agent?: string };

export interface AuditTarget {
  readonly type: string;
  readonly id: string;
}

/** What a caller asks to record: who did what to which object, with the object before and after. */
export interface AuditRecord {
  /** Whose chain the entry joins: the merchant the object belongs to. */
  readonly merchant_id: string;
  readonly actor: AuditActor;
  /** `<object>.<verb>`, for example `payment.create`, `api_key.revoke`. */
  readonly action: string;
  readonly target: AuditTarget;
  /** The API request that did it (API Gateway's request id, also in the response's Request-Id header). */
  readonly request_id: string;
  /**
   * The command's identity across retries (merchant API: a hash of the merchant and its Idempotency-Key);
   * two entries with one command id are one action recorded twice after a crash-retry, never two actions.
   */
  readonly command_id: string | null;
  /** Public JSON of the object before the action (null: the action created it). */
  readonly before: unknown;
  /** Public JSON of the object after the action (null: the action deleted it). */
  readonly after: unknown;
}

export interface AuditEntry extends AuditRecord {
  readonly region: string;
  /** Which of the merchant's chains in this region (0 to AUDIT_STRIPES - 1). */
  readonly stripe: number;
  /** 1, 2, 3... without gaps within a chain. */
  readonly seq: number;
  readonly at: string;
  readonly prev_hash: string;
  readonly hash: string;
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
  /** The entry's time, when known: the next entry's `at` is never earlier (so a chain's order is its time order). */
  readonly at?: string;
}

/** The fields a hash covers, in a fixed shape (storage attributes such as keys are never part of it). */
const hashedFields = (entry: Omit<AuditEntry, 'hash'>) => ({
  merchant_id: entry.merchant_id,
  region: entry.region,
  stripe: entry.stripe,
  seq: entry.seq,
  at: entry.at,
  actor: entry.actor,
  action: entry.action,
  target: entry.target,
  request_id: entry.request_id,
  command_id: entry.command_id,
  before: entry.before,
  after: entry.after,
  prev_hash: entry.prev_hash,
});

export const entryHash = (entry: Omit<AuditEntry, 'hash'>): string =>
  createHash('sha256').update(canonicalJson(hashedFields(entry))).digest('hex');

/** JSON values only (undefined dropped, as storage drops it), so what is hashed is exactly what is stored. */
const asJson = (value: unknown): unknown => (value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown));

/** The entry that follows `previous` (undefined: the chain is empty) in one of the merchant's chains. */
export const chainEntry = (
  record: AuditRecord,
  previous: ChainHead | undefined,
  chain: { readonly region: string; readonly stripe: number },
  at: Date,
): AuditEntry => {
  const unhashed = {
    merchant_id: record.merchant_id,
    region: chain.region,
    stripe: chain.stripe,
    seq: (previous?.seq ?? 0) + 1,
    // A writer whose clock is behind the predecessor's takes its time: list pages merge chains by time.
    at: previous?.at !== undefined && previous.at > at.toISOString() ? previous.at : at.toISOString(),
    actor: asJson(record.actor) as AuditActor,
    action: record.action,
    target: { type: record.target.type, id: record.target.id },
    request_id: record.request_id,
    command_id: record.command_id,
    before: asJson(record.before),
    after: asJson(record.after),
    prev_hash: previous?.hash ?? GENESIS_HASH,
  };
  return { ...unhashed, hash: entryHash(unhashed) };
};

/** A stable, short command id from its parts (for example merchant id and Idempotency-Key). */
/** The public id of an entry: its chain and position, e.g. `us-east-1.3.42` (derived, not hashed). */
export const auditEntryId = (entry: Pick<AuditEntry, 'region' | 'stripe' | 'seq'>): string => `${entry.region}.${entry.stripe}.${entry.seq}`;

export const parseAuditEntryId = (id: string): { region: string; stripe: number; seq: number } | undefined => {
  if (!isIdOf('audit_entry', id)) return undefined;
  const match = /^([a-z0-9-]+)\.(\d+)\.(\d+)$/.exec(id);
  if (!match) return undefined;
  const stripe = Number(match[2]);
  const seq = Number(match[3]);
  return stripe < AUDIT_STRIPES && seq >= 1 && Number.isSafeInteger(seq) ? { region: match[1] as string, stripe, seq } : undefined;
};

export const commandIdOf = (...parts: readonly string[]): string =>
  `cmd_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;

export type ChainBreakReason = 'wrong_chain' | 'sequence_gap' | 'previous_hash_mismatch' | 'hash_mismatch';

export interface ChainBreak {
  /** The first entry that does not link (or the position where one is missing). */
  readonly seq: number;
  readonly reason: ChainBreakReason;
  readonly detail: string;
}

export interface ChainReport {
  readonly merchant_id: string;
  readonly region: string;
  readonly stripe: number;
  /** Entries checked, up to and including the first broken one. */
  readonly entries: number;
  /** The last entry that links correctly: record it elsewhere to detect a later truncation or rewrite. */
  readonly head: ChainHead | null;
  readonly broken: ChainBreak | null;
}

/**
 * Walks one chain in sequence order and stops at the first broken link. Feed it every entry of the chain
 * (`check` returns false once the chain is broken: reading further is pointless).
 */
export class ChainVerifier {
  private head: ChainHead | undefined;
  private checked = 0;
  private broken: ChainBreak | undefined;

  constructor(private readonly chain: ChainId) {}

  check(entry: AuditEntry): boolean {
    if (this.broken) return false;
    this.checked += 1;
    const expectedSeq = (this.head?.seq ?? 0) + 1;
    const expectedPrevious = this.head?.hash ?? GENESIS_HASH;
    const { merchantId, region, stripe } = this.chain;
    if (entry.merchant_id !== merchantId || entry.region !== region || entry.stripe !== stripe) {
      this.broken = {
        seq: entry.seq,
        reason: 'wrong_chain',
        detail: `entry names chain ${entry.merchant_id}/${entry.region}/${entry.stripe}, not ${merchantId}/${region}/${stripe}`,
      };
    } else if (entry.seq !== expectedSeq) {
      this.broken = { seq: expectedSeq, reason: 'sequence_gap', detail: `expected entry ${expectedSeq}, found ${entry.seq}` };
    } else if (entry.prev_hash !== expectedPrevious) {
      this.broken = { seq: entry.seq, reason: 'previous_hash_mismatch', detail: `prev_hash ${entry.prev_hash} is not the hash of entry ${expectedSeq - 1} (${expectedPrevious})` };
    } else {
      const recomputed = entryHash(entry);
      if (recomputed !== entry.hash) {
        this.broken = { seq: entry.seq, reason: 'hash_mismatch', detail: `stored hash ${entry.hash}, content hashes to ${recomputed}: the entry was changed after it was written` };
      }
    }
    if (this.broken) return false;
    this.head = { seq: entry.seq, hash: entry.hash };
    return true;
  }

  report(): ChainReport {
    const { merchantId, region, stripe } = this.chain;
    return { merchant_id: merchantId, region, stripe, entries: this.checked, head: this.head ?? null, broken: this.broken ?? null };
  }
}
