import type { HomeRegionMarker } from '../../../lambdas/domain/ledger/home-region';
import { emptyPosition } from '../../../lambdas/domain/ledger/positions';
import type { ChannelAuthorization } from '../../../lambdas/ports/card-channel';
import type { ChannelEventForwarder } from '../../../lambdas/ports/channel-event-forwarder';
import type { LedgerStore } from '../../../lambdas/ports/ledger-store';
import type { CardChannelDirectory } from '../../../lambdas/ports/workflows';
import { recordChannelEvents } from '../../../lambdas/use-cases/record-channel-event';

/**
 * An acquirer's webhook, a list of events (decision 0054), with a `capture.settled` for a merchant whose ledger is
 * written in the other region (decision 0039): the whole body sent on to that region as received, once, and the
 * home's outcome for that event stands; never forwarded twice; during a move, "retry". A malformed item is
 * rejected alone.
 */
const here = 'us-east-1';
const home = 'us-west-2';
const merchantId = 'mer_west';

const channels = (): CardChannelDirectory =>
  ({
    channel: () => ({
      getAuthorization: async (id: string): Promise<ChannelAuthorization | undefined> =>
        id === 'auth_1'
          ? ({ authorizationId: 'auth_1', merchantReference: merchantId, paymentReference: 'pay_1', captureIds: ['cap_1'] } as unknown as ChannelAuthorization)
          : undefined,
    }),
  }) as unknown as CardChannelDirectory;

/** Only what a posting reads before it refuses a region that is not the merchant's home. */
const ledgerHomedIn = (marker: HomeRegionMarker): LedgerStore =>
  ({
    loadContext: async (_transactionId: string, positionId: string) => ({ existing: undefined, position: emptyPosition(positionId, merchantId), home: marker }),
  }) as unknown as LedgerStore;

const settled = { id: 'evt_1', type: 'capture.settled', data: { object: { id: 'cap_1', authorization: 'auth_1', amount: 1500, currency: 'USD' } } };
const refunded = { id: 'evt_2', type: 'refund.succeeded', data: { object: { id: 're_1', authorization: 'auth_1' } } };
const unknownCapture = { id: 'evt_3', type: 'capture.settled', data: { object: { id: 'cap_9', authorization: 'auth_9' } } };
const malformed = { id: 'evt_4', malformed: 'type is required' };
const events = [settled, refunded, unknownCapture, malformed];
const received = { payload: JSON.stringify({ object: 'list', data: events }), signature: 't=1,v1=abc' };
const homedWest: HomeRegionMarker = { merchantId, region: home, fenced: false, epoch: 3, updatedAt: '2026-12-07T10:00:00.000Z' };

const forwarderAnswering = (status: number | undefined, results?: { id?: string; outcome: string }[]) => {
  const sent: unknown[] = [];
  const forwarder: ChannelEventForwarder = {
    forward: async (region, channel, forwarded) => {
      sent.push({ region, channel, forwarded });
      return status === undefined ? undefined : { status, ...(results ? { results } : {}) };
    },
  };
  return { sent, forwarder };
};

/** What the home region answers for the list: its own event applied, the rest as it sees them. */
const homeAnswer = (outcomeOfSettled: string) => [
  { id: 'evt_1', outcome: outcomeOfSettled },
  { id: 'evt_2', outcome: 'ignored' },
  { id: 'evt_3', outcome: 'ignored' },
  { id: 'evt_4', outcome: 'rejected' },
];

const deps = (marker: HomeRegionMarker, forwarder?: ChannelEventForwarder) => ({
  channels: channels(),
  ledger: { ledger: ledgerHomedIn(marker), region: here, primaryRegion: here, now: () => new Date('2026-12-07T10:00:00.000Z') },
  ...(forwarder ? { forwarder } : {}),
});

it("forwards the whole body as received to the merchant's home region, once, and answers each event in the list's order", async () => {
  // Prepare
  const { sent, forwarder } = forwarderAnswering(200, homeAnswer('applied'));
  // Act
  const results = await recordChannelEvents(deps(homedWest, forwarder), { channel: 'atlas', events, received });
  // Assess
  expect(results).toEqual([
    { id: 'evt_1', outcome: 'forwarded', paymentId: 'pay_1', homeRegion: home },
    { id: 'evt_2', outcome: 'ignored' },
    { id: 'evt_3', outcome: 'ignored' },
    { id: 'evt_4', outcome: 'rejected', reason: 'type is required' },
  ]);
  expect(sent).toEqual([{ region: home, channel: 'atlas', forwarded: received }]);
});

it.each([
  ['the home region did not take the body (5xx)', 503, undefined, 'home_region_did_not_apply'],
  ['the home region asked for that event again', 200, homeAnswer('retry'), 'home_region_did_not_apply'],
  ["the home region's acquirer lookup did not find the capture this region found (ignored there)", 200, homeAnswer('ignored'), 'home_region_did_not_apply'],
  ["the home region's answer names another event at that position", 200, [{ id: 'evt_other', outcome: 'applied' }], 'home_region_did_not_apply'],
  ['no endpoint of the home region is configured', undefined, undefined, 'home_region_not_configured'],
])('answers "retry" for the forwarded event only (the acquirer sends it again) when %s', async (_case, status, answer, reason) => {
  const { forwarder } = forwarderAnswering(status, answer);
  const results = await recordChannelEvents(deps(homedWest, forwarder), { channel: 'atlas', events, received });
  expect(results.map((result) => [result.id, result.outcome, result.reason])).toEqual([
    ['evt_1', 'retry', reason],
    ['evt_2', 'ignored', undefined],
    ['evt_3', 'ignored', undefined],
    ['evt_4', 'rejected', 'type is required'],
  ]);
});

it('never forwards a body that was itself forwarded (no loop between regions), nor without a forwarder', async () => {
  const { sent, forwarder } = forwarderAnswering(200, homeAnswer('applied'));
  const forwarded = await recordChannelEvents(deps(homedWest, forwarder), { channel: 'atlas', events, received, forwardedFrom: 'us-west-2' });
  expect(forwarded[0]).toMatchObject({ id: 'evt_1', outcome: 'retry', reason: 'homed_elsewhere' });
  const alone = await recordChannelEvents(deps(homedWest), { channel: 'atlas', events, received });
  expect(alone[0]).toMatchObject({ id: 'evt_1', outcome: 'retry', reason: 'homed_elsewhere' });
  expect(sent).toEqual([]);
});

it('does not forward while the merchant is being moved (its ledger fenced): retry, anywhere', async () => {
  const { sent, forwarder } = forwarderAnswering(200, homeAnswer('applied'));
  const moving: HomeRegionMarker = { ...homedWest, region: here, fenced: true, moveTo: home };
  const results = await recordChannelEvents(deps(moving, forwarder), { channel: 'atlas', events, received });
  expect(results[0]).toEqual({ id: 'evt_1', outcome: 'retry', reason: 'merchant_moving', errorName: 'NotHomeRegionError' });
  expect(sent).toEqual([]);
});

it('answers "retry" for an event whose lookup fails, and still applies the others of the list', async () => {
  const failing = {
    channel: () => ({
      getAuthorization: async (id: string) => {
        if (id === 'auth_1') throw new Error('acquirer unreachable');
        return undefined;
      },
    }),
  } as unknown as CardChannelDirectory;
  const results = await recordChannelEvents({ ...deps(homedWest), channels: failing }, { channel: 'atlas', events, received });
  expect(results.map((result) => result.outcome)).toEqual(['retry', 'ignored', 'ignored', 'rejected']);
  expect(results[0]?.reason).toBe('temporarily_unavailable');
});
