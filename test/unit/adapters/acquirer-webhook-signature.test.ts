import {
  InvalidWebhookSignatureError,
  verifyAcquirerWebhook,
} from '../../../lambdas/adapters/channels/acquirer-webhook-signature';
import { signWebhook } from '../../../local/simulators/card-acquirer/webhooks';

/** The webhook signature scheme, pinned by a vector computed independently (openssl dgst -sha256 -hmac). */
const payload = '{"id":"evt_1","type":"capture.settled"}';
const secret = 'whsec_test';
const timestamp = 1_700_000_000;
const knownSignature = '91250e121cf68c16cf175526def8e0e4196992122a8c6e803efd1b8226a4cfe2';
const at = (seconds: number) => new Date(seconds * 1000);

it('matches the independently computed HMAC-SHA256 over "<t>.<body>"', () => {
  expect(signWebhook(secret, payload, timestamp)).toBe(`t=${timestamp},v1=${knownSignature}`);
  expect(verifyAcquirerWebhook({ payload, header: `t=${timestamp},v1=${knownSignature}`, secrets: [secret], now: at(timestamp) })).toBe(timestamp);
});

it('accepts a signature by any of several secrets (rotation) and any of several v1 values', () => {
  const header = `t=${timestamp},v1=${'0'.repeat(64)},v1=${knownSignature}`;
  expect(verifyAcquirerWebhook({ payload, header, secrets: ['whsec_new', secret], now: at(timestamp + 10) })).toBe(timestamp);
});

it.each([
  ['a missing header', undefined, payload, timestamp],
  ['a malformed header', 'v1=abc', payload, timestamp],
  ['a tampered body', `t=${timestamp},v1=${knownSignature}`, payload.replace('evt_1', 'evt_2'), timestamp],
  ['a changed timestamp', `t=${timestamp + 1},v1=${knownSignature}`, payload, timestamp],
  ['a delivery older than the tolerance', `t=${timestamp},v1=${knownSignature}`, payload, timestamp + 301],
  ['a timestamp too far in the future', `t=${timestamp},v1=${knownSignature}`, payload, timestamp - 301],
])('refuses %s', (_case, header, body, nowSeconds) => {
  expect(() => verifyAcquirerWebhook({ payload: body, header, secrets: [secret], now: at(nowSeconds) })).toThrow(InvalidWebhookSignatureError);
});

it('refuses a signature made with another secret', () => {
  const header = signWebhook('whsec_other', payload, timestamp);
  expect(() => verifyAcquirerWebhook({ payload, header, secrets: [secret], now: at(timestamp) })).toThrow('No signature matches');
});
