import { marshall } from '@aws-sdk/util-dynamodb';
import { auditItem, chainKey, entrySortKey, toAuditEntry } from '../../../lambdas/adapters/dynamodb/audit-log';
import { type AuditEntry, chainEntry, entryHash } from '../../../lambdas/domain/audit';
import { newPayment } from '../../../lambdas/domain/payment';
import { recordAuthorization, recordAwaitingCapture, recordScreening, recordSuccess, requestCapture } from '../../../lambdas/domain/payment-lifecycle';
import { presentPayment } from '../../../lambdas/shared/http/presenters';
import { itemSize as storedSize, writeUnitsOf } from '../../../bench/lib/capacity-units';

/** How an audit entry is stored: its snapshots deflated, within one write unit, read back exactly as hashed. */
const itemSize = (item: Record<string, unknown>) => storedSize(marshall(item, { removeUndefinedValues: true }) as Parameters<typeof storedSize>[0]);
const at = (second: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, second));

/** The audit entry of a manual payment's capture: the payment before and after, as the API presents it. */
const captureEntry = (): AuditEntry => {
  let payment = newPayment({
    id: 'pay_4x9tqkr2mzp7lwn3vb8cydq2ab',
    merchantId: 'mer_studio_north',
    amount: 129_99,
    currency: 'BRL',
    captureMethod: 'manual',
    card: { brand: 'visa', bin: '424242', last4: '4242', exp_month: 12, exp_year: 2030, fingerprint: 'v1.3q8Zr0XbT5yKc2WmA9dLfE' },
    description: 'Season pass, Northern Lights expansion',
    metadata: { order: 'ord_1234567', player: 'plr_998877', campaign: 'winter-sale' },
    requestFingerprint: 'a3f1c2d4e5b6978812345678901234567890abcdefabcdefabcdefabcdef0123',
    now: at(0),
  });
  payment = recordScreening(payment, { decision: 'approve', score: 12, reasons: ['new_card'] }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas', 'boreal'], failover: true, strategy: 'least_cost' }, at(1)).payment;
  payment = recordAuthorization(payment, { authorizationId: 'auth_atlas_5e1f0b2c9d', amountAuthorized: 129_99, expiresAt: '2026-12-14T10:00:02.000Z' }, at(2)).payment;
  const waiting = recordAwaitingCapture(payment, at(3)).payment;
  const requested = requestCapture(waiting, 100_00, at(60), 'cmd_capture_1').payment;
  const captured = recordSuccess(requested, { captureId: 'cap_atlas_7a8b9c', amount: 100_00 }, at(61)).payment;
  return chainEntry(
    {
      merchant_id: 'mer_studio_north',
      actor: { type: 'merchant', merchant_id: 'mer_studio_north', api_key: 'key_e34ljuxd6v2l3dgb' },
      action: 'payment.capture',
      target: { type: 'payment', id: captured.id },
      request_id: '6f2f36c2-adc7-4727-bcfa-01ee5a00c631',
      command_id: '982a8c7c467317f0ea30f626f04fcbb9895a018831cfed82bb7c2e0b24803e91',
      before: presentPayment(waiting),
      after: presentPayment(captured),
    },
    { seq: 41, hash: 'b'.repeat(64), at: at(59).toISOString() },
    { region: 'us-east-1', stripe: 11 },
    at(61),
  );
};

it('stores a capture\'s entry (the payment before and after) in one write unit, where the plain snapshots took two', () => {
  const entry = captureEntry();
  const plain = { pk: chainKey({ merchantId: entry.merchant_id, region: entry.region, stripe: entry.stripe }), sk: entrySortKey(entry.seq), ...entry };
  expect(writeUnitsOf(itemSize(plain))).toBe(2);
  expect(itemSize(auditItem(entry))).toBeLessThan(1024);
  expect(auditItem(entry)).not.toHaveProperty('after');
});

it('reads back exactly the entry it hashed, and still reads an entry stored with plain snapshots', () => {
  const entry = captureEntry();
  const read = toAuditEntry(auditItem(entry));
  expect(read).toEqual(entry);
  expect(entryHash(read)).toBe(entry.hash);
  expect(toAuditEntry({ pk: 'x', sk: 'y', ...entry })).toEqual(entry);
});
