import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditLog, auditItem, chainKey, entrySortKey, toAuditEntry } from '../../../lambdas/adapters/dynamodb/audit-log';
import { AUDIT_STRIPES, type AuditEntry, type AuditRecord, auditEntryId, entryHash } from '../../../lambdas/domain/audit';
import { verifyAuditChains } from '../../../lambdas/use-cases/audit-trail';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';

/** The audit log's DynamoDB adapter against DynamoDB Local: linear chains under concurrency, listing, tamper detection. */
let db: IsolatedDynamoDb;
const primary = deployment.primaryRegion;
const secondary = deployment.secondaryRegion;
const regions = [primary, secondary];

const record = (merchantId: string, index: number): AuditRecord => ({
  merchant_id: merchantId,
  actor: { type: 'merchant', merchant_id: merchantId, api_key: 'key_aaaaaaaaaaaaaaaa' },
  action: 'payment.create',
  target: { type: 'payment', id: `pay_${index}` },
  request_id: `req-${index}`,
  command_id: `cmd_${index}`,
  before: null,
  after: {
    id: `pay_${index}`,
    object: 'payment',
    amount: 1999,
    currency: 'BRL',
    payment_method: { type: 'card', brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
    description: null,
    metadata: { order: `A-${index}`, note: 'ünïcödé ✓' },
    livemode: false,
  },
});

const logIn = (region: string) => new DynamoDbAuditLog(db.documentClient, tableName('audit'), region);
const verify = (merchantId: string, inRegions = regions) => verifyAuditChains({ audit: logIn(primary) }, { merchantId, regions: inRegions });
const broken = (reports: Awaited<ReturnType<typeof verify>>) => reports.filter((report) => report.broken !== null);
const entriesIn = (reports: Awaited<ReturnType<typeof verify>>) => reports.reduce((sum, report) => sum + report.entries, 0);

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
});

it('links a warm instance\'s appends 1, 2, 3 in one chain and reads back exactly what was hashed', async () => {
  const log = logIn(primary);
  const appended: AuditEntry[] = [];
  for (let index = 0; index < 3; index += 1) appended.push(await log.append(record('mer_seq', index)));
  expect(appended.map((entry) => entry.seq)).toEqual([1, 2, 3]);
  expect(new Set(appended.map((entry) => entry.stripe)).size).toBe(1);
  expect(log.stats.headQueries).toBe(1);
  const read: AuditEntry[] = [];
  for await (const entry of log.read({ merchantId: 'mer_seq', region: primary, stripe: appended[0]?.stripe as number })) read.push(entry);
  expect(read).toEqual(appended);
  const reports = await verify('mer_seq');
  expect(reports).toHaveLength(AUDIT_STRIPES * 2);
  expect(broken(reports)).toEqual([]);
  expect(reports.find((report) => report.entries === 3)).toMatchObject({ region: primary, head: { seq: 3, hash: appended[2]?.hash } });
});

it('keeps every chain linear when a busy merchant appends concurrently from many instances', async () => {
  const count = 60;
  const instances = Array.from({ length: 20 }, () => logIn(primary));
  const entries = await Promise.all(Array.from({ length: count }, (_, index) => (instances[index % instances.length] as DynamoDbAuditLog).append(record('mer_busy', index))));
  expect(new Set(entries.map(auditEntryId)).size).toBe(count);
  const reports = await verify('mer_busy', [primary]);
  expect(broken(reports)).toEqual([]);
  expect(entriesIn(reports)).toBe(count);
  // Every chain is 1..n without gaps, and the racers spread over several chains.
  for (const report of reports) expect(report.head?.seq ?? 0).toBe(report.entries);
  expect(reports.filter((report) => report.entries > 0).length).toBeGreaterThan(1);
});

it('keeps chains per region, so two regions never write the same entry', async () => {
  await logIn(primary).append(record('mer_regions', 1));
  await logIn(secondary).append(record('mer_regions', 2));
  await logIn(secondary).append(record('mer_regions', 3));
  const reports = await verify('mer_regions');
  expect(broken(reports)).toEqual([]);
  expect(entriesIn(reports.filter((report) => report.region === primary))).toBe(1);
  expect(entriesIn(reports.filter((report) => report.region === secondary))).toBe(2);
});

it('lists a busy merchant\'s entries, spread over many chains, newest first with nothing lost or repeated across pages', async () => {
  const appended: AuditEntry[] = [];
  // A fresh instance per append picks a random stripe: the entries land in several chains of both regions.
  for (let index = 0; index < 16; index += 1) {
    appended.push(await logIn(index % 3 ? primary : secondary).append(record('mer_spread', index)));
    await new Promise((wait) => setTimeout(wait, 2));
  }
  expect(new Set(appended.map((entry) => `${entry.region}/${entry.stripe}`)).size).toBeGreaterThan(2);
  const listed: string[] = [];
  let startingAfter: string | undefined;
  for (let pages = 0; pages < 10; pages += 1) {
    const page = await logIn(primary).list('mer_spread', { limit: 3, startingAfter });
    listed.push(...page.entries.map(auditEntryId));
    if (!page.hasMore) break;
    startingAfter = listed.at(-1);
  }
  expect(listed).toEqual(appended.map(auditEntryId).reverse());
  expect((await logIn(primary).list('mer_spread', { limit: 20 })).entries.map((entry) => entry.after)).toEqual(appended.map((entry) => entry.after).reverse());
});

it('lists a merchant\'s entries newest first across chains and regions, page by page', async () => {
  const appended: AuditEntry[] = [];
  for (let index = 0; index < 5; index += 1) {
    appended.push(await logIn(index % 2 ? secondary : primary).append(record('mer_pages', index)));
    await new Promise((wait) => setTimeout(wait, 2));
  }
  const log = logIn(primary);
  const ids = appended.map(auditEntryId).reverse();
  const first = await log.list('mer_pages', { limit: 2 });
  expect(first.entries.map(auditEntryId)).toEqual(ids.slice(0, 2));
  expect(first.hasMore).toBe(true);
  const second = await log.list('mer_pages', { limit: 2, startingAfter: ids[1] });
  expect(second.entries.map(auditEntryId)).toEqual(ids.slice(2, 4));
  const last = await log.list('mer_pages', { limit: 2, startingAfter: ids[3] });
  expect(last).toMatchObject({ hasMore: false });
  expect(last.entries.map(auditEntryId)).toEqual(ids.slice(4));
  await expect(log.list('mer_other', { limit: 2, startingAfter: ids[0] })).rejects.toMatchObject({ name: 'InvalidCursorError' });
  await expect(log.list('mer_pages', { limit: 2, startingAfter: 'not-an-id' })).rejects.toMatchObject({ name: 'InvalidCursorError' });
});

describe('listing by reading the chains (no index)', () => {
  /** An instance with its own clock writing one chain (stripe 0) of a region. */
  const clocked = (region: string, clock: { now: number }) => new DynamoDbAuditLog(db.documentClient, tableName('audit'), region, () => new Date(clock.now), 1);
  const all = async (merchantId: string, limit: number): Promise<string[]> => {
    const listed: string[] = [];
    let startingAfter: string | undefined;
    for (let pages = 0; pages < 100; pages += 1) {
      const page = await logIn(primary).list(merchantId, { limit, startingAfter });
      listed.push(...page.entries.map(auditEntryId));
      if (!page.hasMore) return listed;
      startingAfter = listed.at(-1);
    }
    throw new Error('more than 100 pages');
  };

  it('gives an entry written by a clock behind its predecessor\'s the predecessor\'s time, so a chain lists in its own order', async () => {
    const ahead = { now: Date.parse('2026-12-07T10:00:10.000Z') };
    const behind = { now: Date.parse('2026-12-07T10:00:00.000Z') };
    const first = await clocked(primary, ahead).append(record('mer_skew', 1));
    const second = await clocked(primary, behind).append(record('mer_skew', 2));
    expect(second).toMatchObject({ seq: 2, at: first.at, prev_hash: first.hash });
    const third = await clocked(primary, { now: ahead.now + 1 }).append(record('mer_skew', 3));
    expect(await all('mer_skew', 1)).toEqual([third, second, first].map(auditEntryId));
    expect(broken(await verify('mer_skew'))).toEqual([]);
  });

  it('pages exactly through entries of one time in several chains and regions', async () => {
    const clock = { now: Date.parse('2026-12-07T11:00:00.000Z') };
    const appended: AuditEntry[] = [];
    for (let index = 0; index < 9; index += 1) {
      const log = new DynamoDbAuditLog(db.documentClient, tableName('audit'), index % 2 ? primary : secondary, () => new Date(clock.now), 3);
      appended.push(await log.append(record('mer_same_ms', index)));
    }
    expect(new Set(appended.map((entry) => entry.at)).size).toBe(1);
    const listed = await all('mer_same_ms', 2);
    expect([...listed].sort()).toEqual(appended.map(auditEntryId).sort());
    expect(await all('mer_same_ms', 4)).toEqual(listed);
  });

  it('finds the entries after a cursor past many later ones in another chain (the filtered read goes on)', async () => {
    const old = await clocked(secondary, { now: Date.parse('2026-12-07T09:00:00.000Z') }).append(record('mer_deep', 0));
    const cursor = await clocked(primary, { now: Date.parse('2026-12-07T09:30:00.000Z') }).append(record('mer_deep', 1));
    const later = clocked(secondary, { now: Date.parse('2026-12-07T10:00:00.000Z') });
    for (let index = 0; index < 260; index += 1) await later.append(record('mer_deep', 2 + index));
    const page = await logIn(primary).list('mer_deep', { limit: 5, startingAfter: auditEntryId(cursor) });
    expect(page).toMatchObject({ hasMore: false });
    expect(page.entries.map(auditEntryId)).toEqual([auditEntryId(old)]);
  });
});

describe('tampering, directly in DynamoDB', () => {
  /** Four entries in one chain (one warm instance), then the tampering; the chain's report. */
  const tampered = async (merchantId: string, tamper: (chain: string) => Promise<unknown>) => {
    const log = logIn(primary);
    const entries: AuditEntry[] = [];
    for (let index = 0; index < 4; index += 1) entries.push(await log.append(record(merchantId, index)));
    const stripe = entries[0]?.stripe as number;
    await tamper(chainKey({ merchantId, region: primary, stripe }));
    const reports = await verify(merchantId, [primary]);
    expect(reports.filter((report) => report.stripe !== stripe).every((report) => report.broken === null && report.entries === 0)).toBe(true);
    return reports.find((report) => report.stripe === stripe);
  };

  it('catches a changed field at the changed entry', async () => {
    // The snapshots are stored deflated: read the entry, change its `after`, store it back with its old hash.
    const report = await tampered('mer_t1', async (pk) => {
      const stored = await db.documentClient.send(new GetCommand({ TableName: tableName('audit'), Key: { pk, sk: entrySortKey(2) } }));
      const entry = toAuditEntry(stored.Item as Record<string, unknown>);
      await db.documentClient.send(new PutCommand({ TableName: tableName('audit'), Item: auditItem({ ...entry, after: { ...(entry.after as object), amount: 1 } }) }));
    });
    expect(report).toMatchObject({ entries: 2, head: { seq: 1 }, broken: { seq: 2, reason: 'hash_mismatch' } });
  });

  it('catches a deleted entry at the gap', async () => {
    const report = await tampered('mer_t2', (pk) => db.documentClient.send(new DeleteCommand({ TableName: tableName('audit'), Key: { pk, sk: entrySortKey(3) } })));
    expect(report?.broken).toMatchObject({ seq: 3, reason: 'sequence_gap' });
  });

  it('catches a rewritten actor even with its hash recomputed, at the next entry', async () => {
    const report = await tampered('mer_t3', async (pk) => {
      const stored = (await logIn(primary).list('mer_t3', { limit: 10 })).entries.find((entry) => entry.seq === 2) as AuditEntry;
      const forged = { ...stored, actor: { type: 'operator' as const, role: 'ops_admin', arn: 'arn:aws:sts::000000000000:assumed-role/x/y' } };
      await db.documentClient.send(
        new UpdateCommand({
          TableName: tableName('audit'),
          Key: { pk, sk: entrySortKey(2) },
          UpdateExpression: 'SET actor = :actor, #hash = :hash',
          ExpressionAttributeNames: { '#hash': 'hash' },
          ExpressionAttributeValues: { ':actor': forged.actor, ':hash': entryHash(forged) },
        }),
      );
    });
    expect(report?.broken).toMatchObject({ seq: 3, reason: 'previous_hash_mismatch' });
  });
});
