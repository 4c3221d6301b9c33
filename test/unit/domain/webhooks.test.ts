import { Webhook } from 'standardwebhooks';
import { signedHeaders, newWebhookSecret, signatureOf } from '../../../lambdas/domain/webhook-signature';
import {
  DISABLE_AFTER_FAILING_MS,
  RETRY_SCHEDULE_SECONDS,
  checkWebhookUrl,
  isPublicAddress,
  retryDelaySeconds,
  signingSecrets,
  succeeded,
} from '../../../lambdas/domain/webhooks';

/**
 * Webhook rules a merchant notices: where a webhook may go (https, public hosts only: no SSRF into the
 * platform's network), how long failures are retried, and that every message verifies with the published
 * Standard Webhooks library (npm `standardwebhooks`), not with our own code.
 */
describe('checkWebhookUrl in AWS (public policy)', () => {
  it.each([
    'https://hooks.example.com/xborder',
    'https://hooks.example.com:8443/in?merchant=42',
    'https://93.184.216.34/hook',
    'https://[2606:2800:220:1:248:1893:25c8:1946]/hook',
  ])('accepts %s', (url) => {
    expect(checkWebhookUrl(url, 'public')).toMatchObject({ ok: true });
  });

  it.each([
    ['http://hooks.example.com/x', 'must use https'],
    ['not a url', 'must be an absolute URL'],
    ['https://127.0.0.1/x', 'private, loopback'],
    ['https://169.254.169.254/latest/meta-data', 'private, loopback'],
    ['https://10.0.0.5/x', 'private, loopback'],
    ['https://192.168.1.10/x', 'private, loopback'],
    ['https://[::1]/x', 'private, loopback'],
    ['https://[::ffff:127.0.0.1]/x', 'private, loopback'],
    ['https://[fd00:ec2::254]/x', 'private, loopback'],
    ['https://localhost/x', 'public host'],
    ['https://metadata.internal/x', 'public host'],
    ['https://intranet/x', 'public host'],
    ['https://hooks.example.com:22/x', 'port 443'],
    ['https://user:pass@hooks.example.com/x', 'credentials'],
    ['https://hooks.example.com/x?api_key=abc', 'secret in its query'],
    ['https://hooks.example.com/x?token=abc', 'secret in its query'],
    ['https://hooks.example.com/x#frag', 'fragment'],
    [`https://hooks.example.com/${'a'.repeat(2100)}`, 'at most 2048'],
  ])('refuses %s (%s)', (url, reason) => {
    const verdict = checkWebhookUrl(url, 'public');
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.message).toContain(reason);
  });

  it('allows http and loopback only in the local runtime', () => {
    expect(checkWebhookUrl('http://127.0.0.1:3002/demo', 'local')).toMatchObject({ ok: true });
    expect(checkWebhookUrl('http://127.0.0.1:3002/demo', 'public')).toMatchObject({ ok: false });
    // Secrets in URLs are refused everywhere.
    expect(checkWebhookUrl('http://127.0.0.1:3002/demo?secret=x', 'local')).toMatchObject({ ok: false });
  });
});

describe('isPublicAddress (checked again at connect time, against DNS rebinding)', () => {
  it.each([
    ['8.8.8.8', true],
    ['2001:4860:4860::8888', true],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['172.31.255.255', false],
    ['fe80::1', false],
    ['64:ff9b::a00:1', false],
    ['2002:a00:1::', false],
    ['not-an-ip', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('the retry schedule', () => {
  it('tries at once, then backs off for about three days', () => {
    // Prepare / Act
    const total = RETRY_SCHEDULE_SECONDS.reduce((sum: number, seconds: number) => sum + seconds, 0);
    // Assess
    expect(RETRY_SCHEDULE_SECONDS[0]).toBe(0);
    expect(total).toBeGreaterThan(2.5 * 86_400);
    expect(total).toBeLessThan(3.5 * 86_400);
    expect(DISABLE_AFTER_FAILING_MS).toBe(3 * 86_400_000);
  });

  it.each([
    [1, 1, 5],
    [2, 1, 300],
    [7, 1, 36_000],
    [2, 0.001, 1],
    [7, 0.001, 36],
    [RETRY_SCHEDULE_SECONDS.length, 1, undefined],
  ])('after failed attempt %i at time scale %f, waits %p seconds', (attempt, scale, expected) => {
    expect(retryDelaySeconds(attempt, scale)).toBe(expected);
  });

  it.each([
    [{ status: 200, latencyMs: 1, error: null }, true],
    [{ status: 204, latencyMs: 1, error: null }, true],
    [{ status: 301, latencyMs: 1, error: null }, false],
    [{ status: 500, latencyMs: 1, error: null }, false],
    [{ status: null, latencyMs: 15_000, error: 'timeout' }, false],
  ])('counts %o as delivered: %s', (result, expected) => {
    expect(succeeded(result)).toBe(expected);
  });
});

describe('Standard Webhooks signatures, verified with the standardwebhooks package', () => {
  const body = JSON.stringify({ id: 'evt_x', object: 'event', type: 'payment.succeeded', data: { object: { id: 'pay_1', amount: 1999 } } });

  it('verifies a message signed with the endpoint secret', () => {
    // Prepare
    const secret = newWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    // Act
    const headers = signedHeaders([secret], 'evt_x', timestamp, body);
    // Assess
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with both secrets during a rotation, so either verifies', () => {
    const [previous, current] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signedHeaders([current, previous], 'evt_x', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('matches the library byte for byte, and a changed body does not verify', () => {
    const secret = newWebhookSecret();
    const when = new Date('2026-12-06T12:00:00Z');
    expect(signatureOf(secret, 'msg_1', when.getTime() / 1000, body)).toBe(new Webhook(secret).sign('msg_1', when, body));
    const headers = signedHeaders([secret], 'evt_x', Math.floor(Date.now() / 1000), body);
    expect(() => new Webhook(secret).verify(body.replace('1999', '1'), headers)).toThrow();
  });

  it('keeps a rotated-out secret signing for its last day only', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const secrets = [
      { version: 2, ciphertext: new Uint8Array(), createdAt: now.toISOString(), expiresAt: null },
      { version: 1, ciphertext: new Uint8Array(), createdAt: '2026-12-01T00:00:00Z', expiresAt: '2026-12-07T11:00:00Z' },
      { version: 0, ciphertext: new Uint8Array(), createdAt: '2026-11-01T00:00:00Z', expiresAt: '2026-12-05T00:00:00Z' },
    ];
    expect(signingSecrets({ secrets }, now).map((secret) => secret.version)).toEqual([2, 1]);
  });
});
