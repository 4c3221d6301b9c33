import { HttpChannelEventForwarder } from '../../../../lambdas/adapters/http/channel-event-forwarder';
import { useRecordingServer } from '../../../support/recording-server';

/**
 * The forward of an acquirer's webhook, a list of events, to the other region's merchant API (decisions 0039 and
 * 0054), against a local HTTP server standing in for that API: the acquirer's exact body and signature, marked as
 * forwarded; the home's status and its outcome per event as the answer; none without a readable list.
 */
const home = useRecordingServer({ status: 200, body: '' });

const forwarder = () => new HttpChannelEventForwarder({ 'us-west-2': `${home.baseUrl}/prod` }, 'us-east-1', 2_000);
const payload = '{"object":"list","data":[{"id":"evt_1","type":"capture.settled","data":{"object":{}}},{"id":"evt_2","type":"refund.succeeded","data":{"object":{}}}]}';

it("posts the whole body as received with the acquirer's signature, and answers the home's outcome per event", async () => {
  // Prepare
  home.answer = { status: 200, body: JSON.stringify({ received: true, results: [{ id: 'evt_1', outcome: 'applied' }, { id: 'evt_2', outcome: 'ignored' }] }) };
  // Act
  const result = await forwarder().forward('us-west-2', 'atlas', { payload, signature: 't=1,v1=abc' });
  // Assess
  expect(result).toEqual({ status: 200, results: [{ id: 'evt_1', outcome: 'applied' }, { id: 'evt_2', outcome: 'ignored' }] });
  expect(home.seen).toHaveLength(1);
  expect(home.seen[0]).toMatchObject({ url: '/prod/v1/channel_events/atlas', body: payload });
  expect(home.seen[0]?.headers).toMatchObject({ 'acquirer-signature': 't=1,v1=abc', 'xborder-forwarded-from': 'us-east-1' });
});

it.each([
  ['a problem document', 401, '{"code":"unauthorized"}'],
  ['not JSON', 200, 'ok'],
  ['results that are not a list', 200, '{"results":{"0":"applied"}}'],
])('answers no outcomes when the home answered %s', async (_case, status, body) => {
  home.answer = { status, body };
  await expect(forwarder().forward('us-west-2', 'atlas', { payload, signature: 't=1,v1=abc' })).resolves.toEqual({ status });
});

it('keeps the positions of results it cannot read, as unknown outcomes', async () => {
  home.answer = { status: 200, body: '{"results":[null,{"id":"evt_2","outcome":"applied"}]}' };
  await expect(forwarder().forward('us-west-2', 'atlas', { payload, signature: 't=1,v1=abc' })).resolves.toEqual({
    status: 200,
    results: [{ outcome: 'unknown' }, { id: 'evt_2', outcome: 'applied' }],
  });
});

it('sends nothing to a region without a configured endpoint', async () => {
  await expect(forwarder().forward('eu-west-1', 'atlas', { payload, signature: 't=1,v1=abc' })).resolves.toBeUndefined();
  expect(home.seen).toEqual([]);
});
