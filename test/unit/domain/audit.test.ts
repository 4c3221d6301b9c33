import fc from 'fast-check';
import { AUDIT_STRIPES, type AuditEntry, type AuditRecord, ChainVerifier, GENESIS_HASH, auditEntryId, chainEntry, entryHash, parseAuditEntryId } from '../../../lambdas/domain/audit';
import { canonicalJson } from '../../../lambdas/domain/canonical-json';

/** The hash chain: entries link, any change to any field is caught at that entry, and the first break is named. */
const record = (index: number, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  merchant_id: 'mer_a',
  actor: { type: 'merchant', merchant_id: 'mer_a', api_key: 'key_aaaaaaaaaaaaaaaa' },
  action: 'payment.create',
  target: { type: 'payment', id: `pay_${index}` },
  request_id: `req-${index}`,
  command_id: `cmd_${index}`,
  before: null,
  after: { id: `pay_${index}`, amount: 1000 + index, currency: 'JPY', metadata: { order: String(index) } },
  ...overrides,
});

const chainOf = { region: 'us-east-1', stripe: 3 };

const chain = (length: number): AuditEntry[] => {
  const entries: AuditEntry[] = [];
  for (let index = 0; index < length; index += 1) {
    const previous = entries.at(-1);
    entries.push(chainEntry(record(index), previous && { seq: previous.seq, hash: previous.hash }, chainOf, new Date(Date.UTC(2026, 10, 21, 12, 0, index))));
  }
  return entries;
};

const verify = (entries: readonly AuditEntry[]) => {
  const verifier = new ChainVerifier({ merchantId: 'mer_a', ...chainOf });
  for (const entry of entries) if (!verifier.check(entry)) break;
  return verifier.report();
};

describe('chainEntry', () => {
  it('starts at seq 1 from the genesis hash and links each entry to the previous hash', () => {
    const [first, second] = chain(2) as [AuditEntry, AuditEntry];
    expect(first).toMatchObject({ seq: 1, prev_hash: GENESIS_HASH, region: 'us-east-1', stripe: 3, at: '2026-11-21T12:00:00.000Z' });
    expect(second).toMatchObject({ seq: 2, prev_hash: first.hash });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash(first)).toBe(first.hash);
  });

  it('hashes the canonical JSON: the same content in another key order hashes the same', () => {
    const [entry] = chain(1) as [AuditEntry];
    const reordered = Object.fromEntries(Object.entries(entry).reverse()) as unknown as AuditEntry;
    expect(Object.keys(reordered)[0]).toBe('hash');
    expect(entryHash(reordered)).toBe(entry.hash);
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('stores snapshots as JSON values, so what is hashed is what is stored', () => {
    const entry = chainEntry(record(0, { after: { kept: 1, dropped: undefined } }), undefined, chainOf, new Date());
    expect(entry.after).toEqual({ kept: 1 });
    expect(Object.keys(entry.after as object)).toEqual(['kept']);
  });
});

describe('ChainVerifier', () => {
  it('accepts an intact chain and reports its head', () => {
    const entries = chain(5);
    expect(verify(entries)).toEqual({ merchant_id: 'mer_a', region: 'us-east-1', stripe: 3, entries: 5, head: { seq: 5, hash: entries[4]?.hash }, broken: null });
    expect(verify([])).toMatchObject({ entries: 0, head: null, broken: null });
  });

  it('catches a change to any field of any entry, at that entry', () => {
    const paths: ((entry: AuditEntry) => AuditEntry)[] = [
      (entry) => ({ ...entry, after: { ...(entry.after as object), amount: 1 } }),
      (entry) => ({ ...entry, action: 'payment.cancel' }),
      (entry) => ({ ...entry, actor: { type: 'operator', role: 'ops_admin', arn: 'arn:aws:sts::1:assumed-role/x/y' } }),
      (entry) => ({ ...entry, at: '2020-01-01T00:00:00.000Z' }),
      (entry) => ({ ...entry, request_id: 'forged' }),
      (entry) => ({ ...entry, before: { forged: true } }),
      (entry) => ({ ...entry, target: { ...entry.target, id: 'pay_other' } }),
      (entry) => ({ ...entry, command_id: null }),
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: paths.length - 1 }), (position, change) => {
        const entries = chain(6);
        entries[position] = (paths[change] as (entry: AuditEntry) => AuditEntry)(entries[position] as AuditEntry);
        const report = verify(entries);
        expect(report.broken).toMatchObject({ seq: position + 1, reason: 'hash_mismatch' });
        expect(report.head?.seq ?? 0).toBe(position);
      }),
    );
  });

  it('catches a rewritten entry whose hash was recomputed, at the next entry', () => {
    const entries = chain(4);
    const forged = { ...(entries[1] as AuditEntry), after: { forged: true } };
    entries[1] = { ...forged, hash: entryHash(forged) };
    expect(verify(entries).broken).toMatchObject({ seq: 3, reason: 'previous_hash_mismatch' });
  });

  it('catches a removed entry and an entry of another chain', () => {
    const entries = chain(4);
    expect(verify([entries[0], entries[2], entries[3]] as AuditEntry[]).broken).toMatchObject({ seq: 2, reason: 'sequence_gap' });
    const foreign = { ...(entries[0] as AuditEntry), merchant_id: 'mer_b' };
    expect(verify([foreign]).broken).toMatchObject({ seq: 1, reason: 'wrong_chain' });
    const otherStripe = { ...(entries[0] as AuditEntry), stripe: 4 };
    expect(verify([otherStripe]).broken).toMatchObject({ seq: 1, reason: 'wrong_chain' });
  });
});

describe('entry ids', () => {
  it('name the chain and position, and parse back', () => {
    const [entry] = chain(1) as [AuditEntry];
    expect(auditEntryId(entry)).toBe('us-east-1.3.1');
    expect(parseAuditEntryId('us-east-1.3.1')).toEqual({ region: 'us-east-1', stripe: 3, seq: 1 });
    expect(parseAuditEntryId(`us-east-1.${AUDIT_STRIPES}.1`)).toBeUndefined();
    expect(parseAuditEntryId('us-east-1.3.0')).toBeUndefined();
    expect(parseAuditEntryId('nonsense')).toBeUndefined();
  });
});
