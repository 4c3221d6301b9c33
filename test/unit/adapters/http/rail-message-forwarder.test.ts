import { HttpRailMessageForwarder } from '../../../../lambdas/adapters/http/rail-message-forwarder';
import { useRecordingServer } from '../../../support/recording-server';

/**
 * The forward of a payout rail's message to the other region's merchant API (decision 0049), against a local
 * HTTP server standing in for that API: the rail's body and own headers, nothing else of the request; a file as
 * its content with its name and signature in headers; the home's status as the answer; no redirect followed;
 * a failure or a timeout an answer of 503.
 */
const home = useRecordingServer();

const forwarder = (timeoutMs = 2_000) => new HttpRailMessageForwarder({ 'us-west-2': `${home.baseUrl}/prod/` }, 'us-east-1', timeoutMs);

it("posts a rail's HTTP callback with its body and its own headers only, marked as forwarded", async () => {
  // Prepare
  const body = '<?xml version="1.0"?><soap:Envelope>é</soap:Envelope>';
  const headers = {
    'content-type': 'text/xml; charset=utf-8',
    soapaction: '"urn:keystone:notify"',
    'keystone-signature': 't=1,v1=abc',
    'x-forwarded-for': '203.0.113.9',
    host: 'api.example.com',
    authorization: 'Bearer nope',
  };
  // Act
  const result = await forwarder().forward('us-west-2', 'keystone', { kind: 'http', headers, body });
  // Assess
  expect(result).toEqual({ status: 200 });
  expect(home.seen).toHaveLength(1);
  expect(home.seen[0]).toMatchObject({ method: 'POST', url: '/prod/v1/rail_events/keystone', body });
  expect(home.seen[0]!.headers).toMatchObject({
    'content-type': 'text/xml; charset=utf-8',
    soapaction: '"urn:keystone:notify"',
    'keystone-signature': 't=1,v1=abc',
    'xborder-forwarded-from': 'us-east-1',
  });
  expect(home.seen[0]!.headers['x-forwarded-for']).toBeUndefined();
  expect(home.seen[0]!.headers.authorization).toBeUndefined();
  expect(home.seen[0]!.headers.host).not.toBe('api.example.com');
});

it("posts a rail's file as its content, with its name and detached signature in headers", async () => {
  const content = '1 RETURN FILE\nline two é\n';
  const result = await forwarder().forward('us-west-2', 'meridian', { kind: 'file', name: 'RET_20261207_1.ach', content, signature: 'c2lnbmF0dXJl\n' });
  expect(result).toEqual({ status: 200 });
  expect(home.seen[0]).toMatchObject({ url: '/prod/v1/rail_events/meridian', body: content });
  expect(home.seen[0]!.headers).toMatchObject({
    'content-type': 'text/plain; charset=utf-8',
    'xborder-rail-file-name': 'RET_20261207_1.ach',
    'xborder-rail-file-signature': 'c2lnbmF0dXJl',
    'xborder-forwarded-from': 'us-east-1',
  });
});

it.each([
  ['a refusal', { status: 401 }, 401],
  ['a retry later', { status: 503 }, 503],
  ['a redirect, not followed', { status: 302, headers: { Location: 'http://127.0.0.1:1/elsewhere' } }, 302],
])("answers the home's status for %s", async (_case, given, status) => {
  home.answer = given;
  expect(await forwarder().forward('us-west-2', 'pulse', { kind: 'http', headers: {}, body: '{}' })).toEqual({ status });
  expect(home.seen).toHaveLength(1);
});

it('answers 503 when the home does not answer in time, and when nothing listens', async () => {
  home.answer = { status: 200, delayMs: 1_000 };
  expect(await forwarder(100).forward('us-west-2', 'pulse', { kind: 'http', headers: {}, body: '{}' })).toEqual({ status: 503 });
  const nobody = new HttpRailMessageForwarder({ 'us-west-2': 'http://127.0.0.1:9' }, 'us-east-1', 1_000);
  expect(await nobody.forward('us-west-2', 'pulse', { kind: 'http', headers: {}, body: '{}' })).toEqual({ status: 503 });
});

it('answers nothing, and sends nothing, for a region whose endpoint is not configured', async () => {
  expect(forwarder().regions).toEqual(['us-west-2']);
  expect(await forwarder().forward('eu-west-1', 'pulse', { kind: 'http', headers: {}, body: '{}' })).toBeUndefined();
  expect(home.seen).toEqual([]);
});
