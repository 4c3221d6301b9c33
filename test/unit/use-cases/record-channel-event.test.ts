import type { HomeRegionMarker } from '../../../lambdas/domain/ledger/home-region';
import { emptyPosition } from '../../../lambdas/domain/ledger/positions';
import type { ChannelAuthorization } from '../../../lambdas/ports/card-channel';
import type { ChannelEventForwarder } from '../../../lambdas/ports/channel-event-forwarder';
import type { LedgerStore } from '../../../lambdas/ports/ledger-store';
import type { CardChannelDirectory } from '../../../lambdas/ports/workflows';
import { recordChannelEvent } from '../../../lambdas/use-cases/record-channel-event';

/**
 * An acquirer's `capture.settled` for a merchant whose ledger is written in the other region (decision 0039): sent
 * on to that region as received, once, and never forwarded twice; during a move, "not yet".
 */
const here = 'us-east-1';
const home = 'us-west-2';
const merchantId = 'mer_west';

const channels = (): CardChannelDirectory =>
  ({
    channel: () => ({
      getAuthorization: async (): Promise<ChannelAuthorization> =>
        ({ authorizationId: 'auth_1', merchantReference: merchantId, paymentReference: 'pay_1', captureIds: ['cap_1'] }) as unknown as ChannelAuthorization,
    }),
  }) as unknown as CardChannelDirectory;

/** Only what a posting reads before it refuses a region that is not the merchant's home. */
const ledgerHomedIn = (marker: HomeRegionMarker): LedgerStore =>
  ({
    loadContext: async (_transactionId: string, positionId: string) => ({ existing: undefined, position: emptyPosition(positionId, merchantId), home: marker }),
  }) as unknown as LedgerStore;

const event = { id: 'evt_1', type: 'capture.settled', data: { object: { id: 'cap_1', authorization: 'auth_1', amount: 1500, currency: 'USD' } } };
const received = { payload: JSON.stringify(event), signature: 't=1,v1=abc' };
const homedWest: HomeRegionMarker = { merchantId, region: home, fenced: false, epoch: 3, updatedAt: '2026-12-07T10:00:00.000Z' };

const forwarderAnswering = (status: number | undefined) => {
  const sent: unknown[] = [];
  const forwarder: ChannelEventForwarder = {
    forward: async (region, channel, forwarded) => {
      sent.push({ region, channel, forwarded });
      return status === undefined ? undefined : { status };
    },
  };
  return { sent, forwarder };
};

const deps = (marker: HomeRegionMarker, forwarder?: ChannelEventForwarder) => ({
  channels: channels(),
  ledger: { ledger: ledgerHomedIn(marker), region: here, primaryRegion: here, now: () => new Date('2026-12-07T10:00:00.000Z') },
  ...(forwarder ? { forwarder } : {}),
});

it("forwards the event as received to the merchant's home region, and answers with the home's outcome", async () => {
  // Prepare
  const { sent, forwarder } = forwarderAnswering(200);
  // Act
  const result = await recordChannelEvent(deps(homedWest, forwarder), { channel: 'atlas', event, received });
  // Assess
  expect(result).toEqual({ outcome: 'forwarded', paymentId: 'pay_1', homeRegion: home });
  expect(sent).toEqual([{ region: home, channel: 'atlas', forwarded: received }]);
});

it.each([
  ['the home region did not take it (5xx)', 503],
  ['no endpoint of the home region is configured', undefined],
])('answers "not yet" (the acquirer retries) when %s', async (_case, status) => {
  const { forwarder } = forwarderAnswering(status);
  await expect(recordChannelEvent(deps(homedWest, forwarder), { channel: 'atlas', event, received })).rejects.toMatchObject({ name: 'ChannelEventNotYetApplicable' });
});

it('never forwards an event that was itself forwarded (no loop between regions), nor without a forwarder', async () => {
  const { sent, forwarder } = forwarderAnswering(200);
  await expect(recordChannelEvent(deps(homedWest, forwarder), { channel: 'atlas', event, received, forwardedFrom: 'us-west-2' })).rejects.toMatchObject({
    name: 'ChannelEventNotYetApplicable',
  });
  await expect(recordChannelEvent(deps(homedWest), { channel: 'atlas', event, received })).rejects.toMatchObject({ name: 'ChannelEventNotYetApplicable' });
  expect(sent).toEqual([]);
});

it('does not forward while the merchant is being moved (its ledger fenced): not yet, anywhere', async () => {
  const { sent, forwarder } = forwarderAnswering(200);
  const moving: HomeRegionMarker = { ...homedWest, region: here, fenced: true, moveTo: home };
  await expect(recordChannelEvent(deps(moving, forwarder), { channel: 'atlas', event, received })).rejects.toMatchObject({ name: 'NotHomeRegionError' });
  expect(sent).toEqual([]);
});
