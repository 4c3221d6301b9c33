import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpCardChannel } from '../../../lambdas/adapters/channels/http-card-acquirer';
import {
  AuthorizationExpiredError,
  CaptureFailedError,
  CardDeclinedError,
  ChannelRequestRejectedError,
  ChannelTimeoutError,
  ChannelUnavailableError,
} from '../../../lambdas/domain/channel-errors';
import type { CardChannel } from '../../../lambdas/ports/card-channel';
import { freePort } from '../../../local/ports';
import type { CardAcquirerSimulator } from '../../../local/simulators/card-acquirer/server';
import { authorizeCommand, channelTo, paymentTotals, startTestAcquirer, uniqueKey } from '../../support/card-acquirer';

/**
 * The card channel port, through the real HTTP adapter, against the simulated acquirer over real sockets:
 * every test card's outcome as a result or a named error, retries, the ambiguous timeout, idempotent
 * replays and the amount rules.
 */
const DAY_MS = 24 * 60 * 60 * 1000;

let acquirer: CardAcquirerSimulator;
let channel: CardChannel;
let now: Date;

const failureOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
};

beforeAll(async () => {
  now = new Date();
  acquirer = await startTestAcquirer({ clock: () => now, silenceMs: 10_000 });
  channel = channelTo(acquirer);
});

afterAll(() => acquirer.stop());

describe('authorize', () => {
  it.each([
    ['4242424242424242', 'visa', '4242'],
    ['5555555555554444', 'mastercard', '4444'],
    ['6011111111111117', 'discover', '1117'],
  ])('approves %s with the channel references and a 7-day expiry', async (number, brand, last4) => {
    const command = authorizeCommand({ number, amount: 2_500, currency: 'EUR' });
    const authorization = await channel.authorize(command);
    expect(authorization).toMatchObject({
      channel: 'atlas',
      status: 'authorized',
      currency: 'EUR',
      amountAuthorized: 2_500,
      amountCapturable: 2_500,
      amountReleased: 0,
      captureMethod: 'manual',
      card: { brand, last4, expMonth: 12, expYear: 2031 },
      merchantReference: 'mer_test',
      paymentReference: command.paymentReference,
      captureIds: [],
    });
    expect(authorization.authorizationId).toMatch(/^auth_/);
    expect(authorization.authCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(Date.parse(authorization.expiresAt) - Date.parse(authorization.createdAt)).toBe(7 * DAY_MS);
    expect(JSON.stringify(authorization)).not.toContain(number);
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000127', 'incorrect_cvc'],
    ['4000000000000440', 'do_not_honor'],
    ['4000000000009987', 'lost_card'],
    ['4000000000009979', 'stolen_card'],
    ['4242424242424241', 'incorrect_number'],
  ])('declines %s as CardDeclined %s, never naming the card', async (number, declineCode) => {
    const command = authorizeCommand({ number });
    const error = await failureOf(channel.authorize(command));
    expect(error).toBeInstanceOf(CardDeclinedError);
    expect(error).toMatchObject({ name: 'CardDeclined', declineCode, retryable: false, channel: 'atlas' });
    const { authorizationId } = error as CardDeclinedError;
    expect(await channel.getAuthorization(authorizationId as string)).toMatchObject({ status: 'declined', authCode: null });
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(number);
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain('987');
  });

  it('answers the transient-error card with ChannelUnavailable, then approves the retry under the same key, once', async () => {
    const command = authorizeCommand({ number: '4000000000000119' });
    const error = await failureOf(channel.authorize(command));
    expect(error).toBeInstanceOf(ChannelUnavailableError);
    expect(error).toMatchObject({ name: 'ChannelUnavailable', status: 503, retryable: true });
    expect(await channel.findOperation(command.idempotencyKey)).toBeUndefined();
    const authorization = await channel.authorize(command);
    expect(authorization.status).toBe('authorized');
    expect(await paymentTotals(acquirer, command.paymentReference)).toMatchObject({ approved: 1, declined: 0, authorized: 1_000 });
  });

  it('resolves the ambiguous timeout by retrying with the same key: one authorization, one charge', async () => {
    const impatient = channelTo(acquirer, { timeoutMs: 300 });
    const command = authorizeCommand({ number: '4000000000000911', amount: 4_200 });
    const error = await failureOf(impatient.authorize(command));
    expect(error).toBeInstanceOf(ChannelTimeoutError);
    expect(error).toMatchObject({ name: 'ChannelTimeout', retryable: true });

    const recorded = await impatient.findOperation(command.idempotencyKey);
    expect(recorded).toMatchObject({ type: 'authorize', outcome: 'succeeded', idempotencyKey: command.idempotencyKey });
    const retried = await impatient.authorize(command);
    expect(recorded?.type === 'authorize' && recorded.outcome === 'succeeded' ? recorded.authorization : undefined).toEqual(retried);
    expect(await paymentTotals(acquirer, command.paymentReference)).toMatchObject({ approved: 1, authorized: 4_200 });
  });

  it('replays an authorization for the same key and request instead of charging again', async () => {
    const command = authorizeCommand();
    const first = await channel.authorize(command);
    const again = await channel.authorize(command);
    expect(again).toEqual(first);
    expect(await paymentTotals(acquirer, command.paymentReference)).toMatchObject({ approved: 1 });
  });

  it('replays a decline for the same key: the same declined attempt, not a new one', async () => {
    const command = authorizeCommand({ number: '4000000000009995' });
    const first = (await failureOf(channel.authorize(command))) as CardDeclinedError;
    const again = (await failureOf(channel.authorize(command))) as CardDeclinedError;
    expect(again.authorizationId).toBe(first.authorizationId);
    expect(await paymentTotals(acquirer, command.paymentReference)).toMatchObject({ approved: 0, declined: 1 });
  });

  it('refuses the same key with a different request as ChannelRequestRejected idempotency_key_reused', async () => {
    const command = authorizeCommand();
    await channel.authorize(command);
    const error = await failureOf(channel.authorize({ ...command, amount: command.amount + 1 }));
    expect(error).toBeInstanceOf(ChannelRequestRejectedError);
    expect(error).toMatchObject({ name: 'ChannelRequestRejected', status: 422, code: 'idempotency_key_reused', retryable: false });
    expect(await paymentTotals(acquirer, command.paymentReference)).toMatchObject({ approved: 1, authorized: 1_000 });
  });

  it('rejects a currency the channel does not process', async () => {
    const error = await failureOf(channel.authorize(authorizeCommand({ currency: 'JPY' })));
    expect(error).toMatchObject({ name: 'ChannelRequestRejected', status: 422, code: 'currency_not_supported', param: 'currency' });
  });

  it('rejects a wrong API key, and an amount that is not a positive integer of minor units', async () => {
    const wrongKey = channelTo(acquirer, { apiKey: 'sk_wrong' });
    expect(await failureOf(wrongKey.authorize(authorizeCommand()))).toMatchObject({ name: 'ChannelRequestRejected', status: 401, code: 'invalid_api_key' });
    expect(await failureOf(channel.authorize(authorizeCommand({ amount: 10.5 })))).toMatchObject({
      name: 'ChannelRequestRejected',
      status: 400,
      code: 'parameter_invalid',
      param: 'amount',
    });
  });
});

describe('capture', () => {
  it('refuses a capture above the authorized amount and leaves the authorization as it was', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    const error = await failureOf(channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 1_001, currency: 'USD' }));
    expect(error).toMatchObject({ name: 'ChannelRequestRejected', status: 422, code: 'amount_too_large', param: 'amount' });
    expect(await channel.getAuthorization(authorizationId)).toMatchObject({ status: 'authorized', amountCapturable: 1_000, amountCaptured: 0 });
  });

  it('captures part of the authorization and releases the rest, with the fee for reconciliation', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    const capture = await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 600, currency: 'USD' });
    expect(capture).toMatchObject({
      channel: 'atlas',
      authorizationId,
      amount: 600,
      currency: 'USD',
      finalCapture: true,
      amountReleased: 400,
      fee: 17 + 30,
      net: 553,
      status: 'pending',
      settledAt: null,
    });
    expect(capture.captureId).toMatch(/^cap_/);
    expect(await channel.getAuthorization(authorizationId)).toMatchObject({
      status: 'captured',
      amountCaptured: 600,
      amountCapturable: 0,
      amountReleased: 400,
      captureIds: [capture.captureId],
    });
  });

  it('replays a capture under the same key, and refuses a second capture under another', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    const command = { idempotencyKey: uniqueKey('cap'), authorizationId, amount: 1_000, currency: 'USD' };
    const first = await channel.capture(command);
    expect(await channel.capture(command)).toEqual(first);
    const error = await failureOf(channel.capture({ ...command, idempotencyKey: uniqueKey('cap') }));
    expect(error).toMatchObject({ name: 'ChannelRequestRejected', status: 409, code: 'authorization_already_captured' });
    expect((await channel.getAuthorization(authorizationId))?.captureIds).toEqual([first.captureId]);
  });

  it('captures several times on a multi-capture authorization', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand({ multiCapture: true }));
    await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 300, currency: 'USD', finalCapture: false });
    const last = await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 200, currency: 'USD' });
    expect(last).toMatchObject({ finalCapture: true, amountReleased: 500 });
    expect(await channel.getAuthorization(authorizationId)).toMatchObject({ status: 'captured', amountCaptured: 500, amountReleased: 500 });
  });

  it('fails every capture of the capture-failure card with CaptureFailed; the authorization can then be voided', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand({ number: '4000000000000259' }));
    const error = await failureOf(channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 1_000, currency: 'USD' }));
    expect(error).toBeInstanceOf(CaptureFailedError);
    expect(error).toMatchObject({ name: 'CaptureFailed', authorizationId, code: 'capture_failed', retryable: false });
    expect(await channel.void({ idempotencyKey: uniqueKey('void'), authorizationId })).toMatchObject({ status: 'voided', amountReleased: 1_000 });
  });
});

describe('refund', () => {
  it('refunds in parts, never more in total than was captured', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 800, currency: 'USD' });
    const first = await channel.refund({ idempotencyKey: uniqueKey('ref'), authorizationId, amount: 500, currency: 'USD', reason: 'requested_by_customer' });
    expect(first).toMatchObject({ channel: 'atlas', authorizationId, amount: 500, currency: 'USD', status: 'pending' });
    expect(first.refundId).toMatch(/^rfd_/);
    const tooMuch = await failureOf(channel.refund({ idempotencyKey: uniqueKey('ref'), authorizationId, amount: 301, currency: 'USD' }));
    expect(tooMuch).toMatchObject({ name: 'ChannelRequestRejected', status: 422, code: 'amount_too_large' });
    await channel.refund({ idempotencyKey: uniqueKey('ref'), authorizationId, amount: 300, currency: 'USD' });
    expect(await channel.getAuthorization(authorizationId)).toMatchObject({ amountCaptured: 800, amountRefunded: 800 });
  });

  it('refuses to refund an authorization nothing was captured from', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    const error = await failureOf(channel.refund({ idempotencyKey: uniqueKey('ref'), authorizationId, amount: 1, currency: 'USD' }));
    expect(error).toMatchObject({ name: 'ChannelRequestRejected', status: 409, code: 'authorization_not_captured' });
  });
});

describe('void', () => {
  it('releases an uncaptured authorization; voiding again returns it unchanged', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    const voided = await channel.void({ idempotencyKey: uniqueKey('void'), authorizationId });
    expect(voided).toMatchObject({ status: 'voided', amountReleased: 1_000, amountCapturable: 0 });
    expect(await channel.void({ idempotencyKey: uniqueKey('void'), authorizationId })).toEqual(voided);
  });

  it('answers a capture of a voided authorization with CaptureFailed (a definite refusal: the saga fails the payment, nothing captured)', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    await channel.void({ idempotencyKey: uniqueKey('void'), authorizationId });
    const error = await failureOf(channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 1_000, currency: 'USD' }));
    expect(error).toBeInstanceOf(CaptureFailedError);
    expect(error).toMatchObject({ name: 'CaptureFailed', authorizationId, code: 'authorization_voided', retryable: false });
  });

  it('refuses a void after a capture', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 1_000, currency: 'USD' });
    const error = await failureOf(channel.void({ idempotencyKey: uniqueKey('void'), authorizationId }));
    expect(error).toMatchObject({ name: 'ChannelRequestRejected', status: 409, code: 'authorization_already_captured' });
  });
});

describe('expiry (the simulator clock jumps)', () => {
  it('refuses to capture or void an authorization 7 days old with AuthorizationExpired; its hold is released', async () => {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    const { authorizationId: stillValid } = await channel.authorize(authorizeCommand());
    now = new Date(now.getTime() + 7 * DAY_MS - 1_000);
    await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId: stillValid, amount: 1_000, currency: 'USD' });
    now = new Date(now.getTime() + 1_000);
    const capture = await failureOf(channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 1_000, currency: 'USD' }));
    expect(capture).toBeInstanceOf(AuthorizationExpiredError);
    expect(capture).toMatchObject({ name: 'AuthorizationExpired', authorizationId, retryable: false });
    expect(await failureOf(channel.void({ idempotencyKey: uniqueKey('void'), authorizationId }))).toMatchObject({ name: 'AuthorizationExpired' });
    expect(await channel.getAuthorization(authorizationId)).toMatchObject({ status: 'expired', amountCapturable: 0, amountReleased: 1_000 });
  });
});

describe('lookups', () => {
  it('finds what was recorded by key and by reference, failures included', async () => {
    const authorize = authorizeCommand();
    const { authorizationId } = await channel.authorize(authorize);
    const captureKey = uniqueKey('cap');
    const capture = await channel.capture({ idempotencyKey: captureKey, authorizationId, amount: 1_000, currency: 'USD' });
    const voidKey = uniqueKey('void');
    await failureOf(channel.void({ idempotencyKey: voidKey, authorizationId }));

    expect(await channel.findOperation(captureKey)).toMatchObject({
      type: 'capture',
      outcome: 'succeeded',
      target: authorizationId,
      reference: capture.captureId,
      capture: { captureId: capture.captureId, amount: 1_000 },
    });
    expect(await channel.findOperation(voidKey)).toMatchObject({
      type: 'void',
      outcome: 'failed',
      failure: { name: 'ChannelRequestRejected', code: 'authorization_already_captured', declineCode: null },
    });
    const operations = await channel.operationsFor(authorizationId);
    expect(operations.map((operation) => [operation.type, operation.outcome, operation.idempotencyKey])).toEqual([
      ['authorize', 'succeeded', authorize.idempotencyKey],
      ['capture', 'succeeded', captureKey],
      ['void', 'failed', voidKey],
    ]);
    expect(await channel.operationsFor(capture.captureId)).toHaveLength(1);
    expect(await channel.findOperation(uniqueKey('never-sent'))).toBeUndefined();
    expect(await channel.getAuthorization('auth_unknown')).toBeUndefined();
  });

  it('reports a recorded decline with its decline code', async () => {
    const command = authorizeCommand({ number: '4000000000000002' });
    await failureOf(channel.authorize(command));
    expect(await channel.findOperation(command.idempotencyKey)).toMatchObject({
      type: 'authorize',
      outcome: 'failed',
      failure: { name: 'CardDeclined', code: 'card_declined', declineCode: 'card_declined' },
    });
  });
});

describe('transport failures', () => {
  const serve = async (onRequest: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> => {
    const server = createServer(onRequest);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const stop = (server: Server) => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  const against = (url: string) => createHttpCardChannel({ channel: 'atlas', baseUrl: url, apiKey: 'k', timeoutMs: 2_000 });

  it('is ChannelUnavailable when the connection is refused (the request was never sent)', async () => {
    const error = await failureOf(against(`http://127.0.0.1:${await freePort()}`).authorize(authorizeCommand()));
    expect(error).toMatchObject({ name: 'ChannelUnavailable', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('is ChannelTimeout when the connection drops after the request was sent (outcome unknown)', async () => {
    const { server, url } = await serve((request) => request.on('data', () => request.socket.destroy()));
    try {
      expect(await failureOf(against(url).authorize(authorizeCommand()))).toMatchObject({ name: 'ChannelTimeout', retryable: true });
    } finally {
      await stop(server);
    }
  });

  it('is ChannelUnavailable on a 5xx, and ChannelTimeout on a 2xx it cannot read', async () => {
    let status = 502;
    const { server, url } = await serve((_request, response) => {
      response.writeHead(status, { 'Content-Type': 'text/html' });
      response.end('<html>gateway</html>');
    });
    try {
      expect(await failureOf(against(url).authorize(authorizeCommand()))).toMatchObject({ name: 'ChannelUnavailable', status: 502 });
      status = 200;
      expect(await failureOf(against(url).authorize(authorizeCommand()))).toMatchObject({ name: 'ChannelTimeout', reason: 'unreadable answer' });
    } finally {
      await stop(server);
    }
  });

  it('never follows a redirect (which would resend the card elsewhere): ChannelRequestRejected', async () => {
    let elsewhere = 0;
    const other = await serve((_request, response) => {
      elsewhere += 1;
      response.writeHead(201).end('{}');
    });
    const { server, url } = await serve((_request, response) => {
      response.writeHead(307, { Location: `${other.url}/v1/authorizations` }).end();
    });
    try {
      const error = await failureOf(against(url).authorize(authorizeCommand()));
      expect(error).toMatchObject({ name: 'ChannelRequestRejected', status: 307, code: 'unexpected_redirect' });
      expect(elsewhere).toBe(0);
    } finally {
      await stop(server);
      await stop(other.server);
    }
  });

  it('cuts anything shaped like a card number out of an acquirer error message', async () => {
    const { server, url } = await serve((_request, response) => {
      response.writeHead(400, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'parameter_invalid', message: 'bad card 4242 4242 4242 4242' } }));
    });
    try {
      const error = await failureOf(against(url).authorize(authorizeCommand()));
      expect(error.message).toContain('bad card [redacted]');
      expect(error.message).not.toMatch(/4242/);
    } finally {
      await stop(server);
    }
  });
});
