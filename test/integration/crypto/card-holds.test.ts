import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { EncryptionContextMismatchError, KmsEnvelopeCipher } from '../../../lambdas/adapters/crypto/envelope-cipher';
import { KmsFingerprinter } from '../../../lambdas/adapters/crypto/fingerprinter';
import { parseKmsKeyArn } from '../../../lambdas/adapters/crypto/key-arn';
import { CARD_HOLD_SECONDS, CARD_HOLD_TOMBSTONE_SECONDS, DynamoDbCardHolds } from '../../../lambdas/adapters/dynamodb/card-holds';
import { DynamoDbCardVelocity } from '../../../lambdas/adapters/dynamodb/card-velocity';
import { VaultConflictError } from '../../../lambdas/ports/vault-errors';
import { kmsClient } from '../../../lambdas/shared/clients';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';

/**
 * Card holds against DynamoDB Local and the local KMS over real HTTP, through the SDK's KMS client and the
 * Encryption SDK: what a hold stores, who can read it back and how often, what a discard leaves, when it
 * expires, and what it costs in KMS requests. Velocity counters share the table.
 */
const visa = { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '8531' };
const mastercard = { number: '5555555555554444', exp_month: 3, exp_year: 2031, cvc: '902' };
const table = tableName('cardHolds');

let db: IsolatedDynamoDb;
let local: TestKms;

const holdsAt = (now?: () => Date) => {
  const dataKey = parseKmsKeyArn(local.kms.keyArn('data'));
  const fingerprintKey = parseKmsKeyArn(local.kms.keyArn('fingerprint'));
  return new DynamoDbCardHolds({
    client: db.documentClient,
    tableName: table,
    cipher: new KmsEnvelopeCipher({ key: dataKey, client: kmsClient(dataKey.region) }),
    fingerprints: new KmsFingerprinter({ key: fingerprintKey, client: kmsClient(fingerprintKey.region) }),
    now,
  });
};

const itemOf = async (paymentId: string) =>
  (await db.documentClient.send(new GetCommand({ TableName: table, Key: { pk: paymentId, sk: 'hold' }, ConsistentRead: true }))).Item;

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  local = await useLocalKms();
});

afterAll(() => local.stop());

describe('holding a card', () => {
  it('keeps one ciphertext of number, expiry and CVC beside the summary and fingerprint, and reveals it to its merchant', async () => {
    const heldAt = new Date();
    const holds = holdsAt(() => heldAt);
    const hold = await holds.hold({ merchantId: 'mer_a', paymentId: 'pay_round_trip', card: visa });
    expect(hold).toEqual({ held: true, leased: true, card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, fingerprint: expect.stringMatching(/^v1\./) } });
    const item = await itemOf('pay_round_trip');
    expect(Object.keys(item ?? {}).sort()).toEqual(
      ['brand', 'ciphertext', 'created_at', 'exp_month', 'exp_year', 'expires_at', 'fingerprint', 'last4', 'merchant_id', 'pk', 'sk'].sort(),
    );
    expect(item).toMatchObject({ merchant_id: 'mer_a', ciphertext: expect.any(Uint8Array), expires_at: Math.floor(heldAt.getTime() / 1000) + CARD_HOLD_SECONDS });
    await expect(holds.reveal('pay_round_trip', 'mer_a')).resolves.toEqual(visa);
  });

  it('is read, not taken, by each authorization attempt: a retry after a timeout reveals the same card', async () => {
    const holds = holdsAt();
    await holds.hold({ merchantId: 'mer_a', paymentId: 'pay_attempts', card: visa });
    await expect(holds.reveal('pay_attempts', 'mer_a')).resolves.toEqual(visa);
    await expect(holdsAt().reveal('pay_attempts', 'mer_a')).resolves.toEqual(visa);
    expect((await itemOf('pay_attempts'))?.ciphertext).toBeInstanceOf(Uint8Array);
  });

  it('is neither revealed to nor discarded by another merchant, and an unknown payment has none', async () => {
    const holds = holdsAt();
    await holds.hold({ merchantId: 'mer_a', paymentId: 'pay_foreign', card: visa });
    await expect(holds.reveal('pay_foreign', 'mer_b')).resolves.toBeUndefined();
    await holds.discard('pay_foreign', 'mer_b');
    await expect(holds.reveal('pay_foreign', 'mer_a')).resolves.toEqual(visa);
    await expect(holds.reveal('pay_never_held', 'mer_a')).resolves.toBeUndefined();
  });

  it('refuses a ciphertext moved onto another merchant\'s or another payment\'s hold (encryption context and payment id checked)', async () => {
    const holds = holdsAt();
    await holds.hold({ merchantId: 'mer_a', paymentId: 'pay_victim', card: visa });
    await holds.hold({ merchantId: 'mer_b', paymentId: 'pay_attacker', card: mastercard });
    await holds.hold({ merchantId: 'mer_a', paymentId: 'pay_sibling', card: mastercard });
    const stolen = (await itemOf('pay_victim'))?.ciphertext as Uint8Array;
    for (const [paymentId, merchantId] of [
      ['pay_attacker', 'mer_b'],
      ['pay_sibling', 'mer_a'],
    ] as const) {
      await db.documentClient.send(new PutCommand({ TableName: table, Item: { ...(await itemOf(paymentId)), ciphertext: stolen } }));
      await expect(holds.reveal(paymentId, merchantId)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    }
  });
});

describe('a retried create', () => {
  it('writes nothing for the same card, and refuses another card or expiry under the same payment', async () => {
    const holds = holdsAt();
    const first = await holds.hold({ merchantId: 'mer_a', paymentId: 'pay_retry', card: visa });
    const before = await itemOf('pay_retry');
    await expect(holdsAt().hold({ merchantId: 'mer_a', paymentId: 'pay_retry', card: visa })).resolves.toEqual({ card: first.card, held: false, leased: false });
    expect(await itemOf('pay_retry')).toEqual(before);
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_retry', card: mastercard })).rejects.toBeInstanceOf(VaultConflictError);
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_retry', card: { ...visa, exp_year: 2031 } })).rejects.toBeInstanceOf(VaultConflictError);
    // The CVC is not compared (a retry is the same request; a different CVC cannot be told from a typo).
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_retry', card: { ...visa, cvc: '000' } })).resolves.toMatchObject({ held: false });
  });

  it('never holds the card again once its hold was discarded, and still tells another card apart by the tombstone\'s fingerprint', async () => {
    const holds = holdsAt();
    await holds.hold({ merchantId: 'mer_a', paymentId: 'pay_after_answer', card: visa });
    await holds.discard('pay_after_answer', 'mer_a');
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_after_answer', card: visa })).resolves.toMatchObject({ held: false });
    expect(await itemOf('pay_after_answer')).not.toHaveProperty('ciphertext');
    await expect(holds.reveal('pay_after_answer', 'mer_a')).resolves.toBeUndefined();
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_after_answer', card: mastercard })).rejects.toBeInstanceOf(VaultConflictError);
  });
});

describe("the Idempotency-Key's lease (decision record 0048)", () => {
  it('is held by the request that held the card; a duplicate is refused it until it is released or runs out, and then takes it over', async () => {
    let now = new Date('2026-12-07T12:00:00Z');
    const holds = holdsAt(() => now);
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_lease', card: visa, leaseMs: 27_000 })).resolves.toMatchObject({ held: true, leased: true });
    expect(await itemOf('pay_lease')).toMatchObject({ lease_until: now.getTime() + 27_000 });

    now = new Date(now.getTime() + 5_000);
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_lease', card: visa, leaseMs: 27_000 })).resolves.toMatchObject({ held: false, leased: false });
    // Another merchant can neither release it nor take it.
    await holds.releaseLease('pay_lease', 'mer_b');
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_lease', card: visa, leaseMs: 27_000 })).resolves.toMatchObject({ leased: false });

    // Released (its request failed): the retry takes it at once, and holds it against the next duplicate.
    await holds.releaseLease('pay_lease', 'mer_a');
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_lease', card: visa, leaseMs: 27_000 })).resolves.toMatchObject({ held: false, leased: true });
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_lease', card: visa, leaseMs: 27_000 })).resolves.toMatchObject({ leased: false });

    // Run out (its request died at work): taken over, the discarded hold's tombstone too.
    await holds.discard('pay_lease', 'mer_a');
    now = new Date(now.getTime() + 27_000);
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_lease', card: visa, leaseMs: 27_000 })).resolves.toMatchObject({ held: false, leased: true });
    expect(await itemOf('pay_lease')).not.toHaveProperty('ciphertext');
    // A different card is still a reused key, lease or not.
    await expect(holds.hold({ merchantId: 'mer_a', paymentId: 'pay_lease', card: mastercard, leaseMs: 27_000 })).rejects.toBeInstanceOf(VaultConflictError);
    // Releasing a hold that does not exist creates nothing.
    await holds.releaseLease('pay_never_held', 'mer_a');
    expect(await itemOf('pay_never_held')).toBeUndefined();
  });
});

describe('discarding', () => {
  it('leaves a tombstone without the secret, the fingerprint kept, for the Idempotency-Key window', async () => {
    const discardedAt = new Date();
    const holds = holdsAt(() => discardedAt);
    const { card } = await holds.hold({ merchantId: 'mer_a', paymentId: 'pay_tombstone', card: visa });
    await holds.discard('pay_tombstone', 'mer_a');
    await holds.discard('pay_tombstone', 'mer_a');
    const tombstone = await itemOf('pay_tombstone');
    expect(tombstone).not.toHaveProperty('ciphertext');
    expect(tombstone).toMatchObject({
      merchant_id: 'mer_a',
      fingerprint: card.fingerprint,
      discarded_at: discardedAt.toISOString(),
      expires_at: Math.floor(discardedAt.getTime() / 1000) + CARD_HOLD_TOMBSTONE_SECONDS,
    });
  });

  it('is a no-op for a payment that never held a card (it creates nothing)', async () => {
    await holdsAt().discard('pay_nothing', 'mer_a');
    expect(await itemOf('pay_nothing')).toBeUndefined();
  });
});

describe('expiry', () => {
  it('expires by TTL, and past its time a hold reads as absent and loses its secret at once', async () => {
    // Now, not a fixed date: DynamoDB Local's TTL sweep deletes an item whose expiry has passed on the real clock.
    const heldAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    await holdsAt(() => heldAt).hold({ merchantId: 'mer_a', paymentId: 'pay_expired', card: visa });
    const ttl = await db.client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expires_at', TimeToLiveStatus: 'ENABLED' });

    const justBefore = new Date(heldAt.getTime() + (CARD_HOLD_SECONDS - 1) * 1000);
    await expect(holdsAt(() => justBefore).reveal('pay_expired', 'mer_a')).resolves.toEqual(visa);
    const after = new Date(heldAt.getTime() + CARD_HOLD_SECONDS * 1000);
    await expect(holdsAt(() => after).reveal('pay_expired', 'mer_a')).resolves.toBeUndefined();
    // DynamoDB Local's TTL may already have deleted the expired item (it does within about a second): gone, or kept without its secret.
    expect((await itemOf('pay_expired')) ?? {}).not.toHaveProperty('ciphertext');
  });
});

describe('what the table holds', () => {
  it('holds no card number or CVC in any attribute, in clear or as bytes, and has no stream', async () => {
    const holds = holdsAt();
    await holds.hold({ merchantId: 'mer_scan', paymentId: 'pay_scan_1', card: visa });
    await holds.hold({ merchantId: 'mer_scan', paymentId: 'pay_scan_2', card: mastercard });
    await holds.discard('pay_scan_2', 'mer_scan');
    const { Items = [] } = await db.documentClient.send(new ScanCommand({ TableName: table }));
    expect(Items.some((item) => item.ciphertext)).toBe(true);
    for (const item of Items) {
      for (const value of Object.values(item)) {
        const bytes = value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value), 'utf8');
        for (const secret of [visa.number, mastercard.number, visa.cvc, mastercard.cvc]) expect(bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
      }
    }
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: table }));
    expect(Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
  });
});

describe('KMS requests', () => {
  it('stay near zero per payment: one GenerateDataKey per merchant, one Decrypt per data key, one GenerateMac per instance', async () => {
    local.kms.resetCounts();
    const creator = holdsAt();
    for (let index = 0; index < 100; index += 1) await creator.hold({ merchantId: 'mer_count', paymentId: `pay_count_${index}`, card: visa });
    expect(local.kms.requestCounts).toMatchObject({ GenerateDataKey: 1, GenerateMac: 1, Decrypt: 0, Encrypt: 0 });

    const authorizer = holdsAt();
    for (let index = 0; index < 100; index += 1) {
      await expect(authorizer.reveal(`pay_count_${index}`, 'mer_count')).resolves.toEqual(visa);
      await authorizer.discard(`pay_count_${index}`, 'mer_count');
    }
    expect(local.kms.requestCounts).toMatchObject({ GenerateDataKey: 1, GenerateMac: 1, Decrypt: 1, Encrypt: 0 });
  }, 60_000);
});

describe('velocity counters', () => {
  it('count the distinct payments of a subject per window in the same table, once per payment, expiring by TTL', async () => {
    const velocity = new DynamoDbCardVelocity(db.documentClient, table);
    // Windows of the current hour: a counter expires two days after its window starts, and DynamoDB Local's
    // TTL sweep deletes expired items (a fixed date in the past made this test fail once the date had passed).
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const at = (offsetMinutes: number) => new Date(hour + offsetMinutes * 60_000).toISOString();
    const window = `10m@${at(0)}`;
    await expect(velocity.countAttempt('v1.card', window, 'pay_v1')).resolves.toBe(1);
    await expect(velocity.countAttempt('v1.card', window, 'pay_v1')).resolves.toBe(1);
    await expect(velocity.countAttempt('v1.card', window, 'pay_v2')).resolves.toBe(2);
    await expect(velocity.countAttempt('v1.card', `10m@${at(10)}`, 'pay_v3')).resolves.toBe(1);
    // A window of another length starting at the same moment is another counter.
    await expect(velocity.countAttempt('v1.card', `60m@${at(0)}`, 'pay_v3')).resolves.toBe(1);
    await expect(velocity.countAttempt('v1.other', window, 'pay_v4')).resolves.toBe(1);
    await expect(velocity.countAttempt('customer#mer_a#cus_1', window, 'pay_v5')).resolves.toBe(1);
    const counter = (await db.documentClient.send(new GetCommand({ TableName: table, Key: { pk: 'velocity#v1.card', sk: window }, ConsistentRead: true }))).Item;
    expect(counter).toMatchObject({ payment_ids: new Set(['pay_v1', 'pay_v2']), expires_at: hour / 1000 + 2 * 24 * 60 * 60 });
  });
});
