import type { HomeRegionMarker } from '../../../../lambdas/domain/ledger/home-region';
import { type Payout, paidAsTheRailSays, recordRailAnswer, reserved, submitted } from '../../../../lambdas/domain/payouts/payout';
import { stateOfPayout } from '../../../../lambdas/domain/payouts/payout-saga';
import type { LedgerStore } from '../../../../lambdas/ports/ledger-store';
import type { PayoutRepository } from '../../../../lambdas/ports/payout-repository';
import { type RailEvent, type RailMessage, type RailMessageParser, RailMessageRejectedError } from '../../../../lambdas/ports/payout-rail';
import type { RailMessageForwarder } from '../../../../lambdas/ports/rail-message-forwarder';
import { applyRailEvents } from '../../../../lambdas/use-cases/payouts/apply-rail-events';
import { type ReceiveRailMessageDeps, receiveRailMessage } from '../../../../lambdas/use-cases/payouts/receive-rail-message';
import { RecordingWorkflows } from '../../../support/in-memory-repositories';
import { pendingPayout } from '../../../support/payouts';

/**
 * A payout rail's answers reach one region (the merchant API's failover name, the primary's inbox pull); those
 * about payouts of merchants homed in the other region are applied there (decision 0049): checked before anything
 * is written, forwarded whole and once, acknowledged only when the home took them, "not yet" during a move.
 */
const here = 'us-east-1';
const west = 'us-west-2';
const now = new Date('2026-12-07T10:00:00.000Z');

/** A Pulse payout submitted and accepted by the rail, waiting for its confirmation. */
const processingPayout = (id: string, merchantId: string): Payout => {
  const pending = pendingPayout(now, { id, merchantId, currency: 'BRL', sourceCurrency: 'BRL', rail: 'pix', channel: 'pulse', inFlightSince: null });
  const sent = submitted(reserved(pending, { outcome: 'clear' }, now), `e2e_${id}`, now);
  return { ...recordRailAnswer(sent, { status: 'received' }, now), inFlightSince: null };
};

/** The payouts table as far as a rail's answer reads and writes it. */
class Payouts {
  readonly items = new Map<string, Payout>();
  readonly references = new Map<string, string>();
  writes = 0;

  add(payout: Payout) {
    this.items.set(payout.id, payout);
    this.references.set(`pulse#e2e_${payout.id}`, payout.id);
  }

  get repository(): PayoutRepository {
    return {
      payoutIdForRailReference: async (channel: string, reference: string) => this.references.get(`${channel}#${reference}`),
      getPayout: async (id: string) => this.items.get(id),
      updatePayout: async (next: Payout) => {
        this.writes += 1;
        this.items.set(next.id, next);
      },
      getWaitingToken: async () => undefined,
    } as unknown as PayoutRepository;
  }
}

/** The home markers: merchants absent are homed in the primary (here). */
const ledgerWith = (markers: Record<string, HomeRegionMarker>) => {
  const reads: string[] = [];
  const ledger: Pick<LedgerStore, 'getHomeRegion'> = {
    getHomeRegion: async (merchantId) => {
      reads.push(merchantId);
      return markers[merchantId];
    },
  };
  return { ledger, reads };
};
const homedWest = (merchantId: string): HomeRegionMarker => ({ merchantId, region: west, fenced: false, epoch: 2, updatedAt: now.toISOString() });
const beingMoved = (merchantId: string): HomeRegionMarker => ({ merchantId, region: here, fenced: true, moveTo: west, epoch: 4, updatedAt: now.toISOString() });

/** Pulse as far as these tests need: a `paid` per reference listed in the body; `bad` signatures refused. */
const parser: RailMessageParser = {
  channel: 'pulse',
  parse: (message: RailMessage): RailEvent[] => {
    if (message.kind !== 'http' || message.headers['pulse-signature'] === 'bad') throw new RailMessageRejectedError('Pulse webhook refused', { reason: 'unauthenticated' });
    return (JSON.parse(message.body) as string[]).map((reference) => ({ channel: 'pulse', railReference: reference, type: 'paid', reason: null, occurredAt: now.toISOString() }));
  },
  acknowledgement: () => ({ contentType: 'application/json', body: '{"received":true}' }),
};
const messageAbout = (...payoutIds: string[]): RailMessage => ({
  kind: 'http',
  headers: { 'content-type': 'application/json', 'pulse-signature': 't=1,v1=ok' },
  body: JSON.stringify(payoutIds.map((id) => `e2e_${id}`)),
});

const forwarderAnswering = (answer: (region: string) => { status: number } | undefined) => {
  const sent: { region: string; channel: string; message: RailMessage }[] = [];
  const forwarder: RailMessageForwarder = {
    regions: [west],
    forward: async (region, channel, message) => {
      sent.push({ region, channel, message });
      return answer(region);
    },
  };
  return { sent, forwarder };
};

const setUp = (markers: Record<string, HomeRegionMarker>, forwarder?: RailMessageForwarder) => {
  const payouts = new Payouts();
  payouts.add(processingPayout('po_east', 'mer_east'));
  payouts.add(processingPayout('po_west', 'mer_west'));
  payouts.add(processingPayout('po_west_2', 'mer_west'));
  const workflows = new RecordingWorkflows();
  const { ledger, reads } = ledgerWith(markers);
  const deps: ReceiveRailMessageDeps = {
    payouts: payouts.repository,
    workflows,
    parser,
    now: () => now,
    ...(forwarder ? { forwarding: { homes: { ledger, region: here, primaryRegion: here }, forwarder } } : {}),
  };
  return { payouts, workflows, reads, deps };
};

describe('a rail message about payouts homed in another region', () => {
  it('is not applied here: the whole message is forwarded once to the home region, and acknowledged once it took it', async () => {
    // Prepare
    const { sent, forwarder } = forwarderAnswering(() => ({ status: 200 }));
    const { payouts, workflows, reads, deps } = setUp({ mer_west: homedWest('mer_west') }, forwarder);
    const message = messageAbout('po_west', 'po_west_2');
    // Act
    const answer = await receiveRailMessage(deps, message);
    // Assess
    expect(answer).toMatchObject({ status: 200, body: '{"received":true}', forwardedTo: [west] });
    expect(answer.outcomes).toEqual([
      { railReference: 'e2e_po_west', payoutId: 'po_west', type: 'paid', result: 'elsewhere', region: west },
      { railReference: 'e2e_po_west_2', payoutId: 'po_west_2', type: 'paid', result: 'elsewhere', region: west },
    ]);
    expect(sent).toEqual([{ region: west, channel: 'pulse', message }]);
    // One marker read for the merchant's two payouts; nothing written, no workflow run here.
    expect(reads).toEqual(['mer_west']);
    expect(payouts.writes).toBe(0);
    expect(payouts.items.get('po_west')?.railStatus).toBe('received');
    expect(workflows.runs).toEqual([]);
  });

  it("applies the payouts homed here, and forwards the message for the others", async () => {
    const { sent, forwarder } = forwarderAnswering(() => ({ status: 200 }));
    const { payouts, deps } = setUp({ mer_west: homedWest('mer_west') }, forwarder);
    const answer = await receiveRailMessage(deps, messageAbout('po_east', 'po_west'));
    expect(answer.outcomes.map((outcome) => [outcome.payoutId, outcome.result])).toEqual([
      ['po_east', 'applied'],
      ['po_west', 'elsewhere'],
    ]);
    expect(payouts.items.get('po_east')?.railStatus).toBe('paid');
    expect(payouts.items.get('po_west')?.railStatus).toBe('received');
    expect(sent.map((item) => item.region)).toEqual([west]);
  });

  it('is never forwarded again when it was itself forwarded: the home applies its own events and leaves the rest', async () => {
    // The secondary's view: mer_east has no marker (the primary), mer_west is homed here in us-west-2.
    const { sent, forwarder } = forwarderAnswering(() => ({ status: 200 }));
    const { payouts, workflows, deps } = setUp({ mer_west: homedWest('mer_west') }, forwarder);
    const secondary = { ...deps, forwarding: { ...deps.forwarding!, homes: { ...deps.forwarding!.homes, region: west } } };
    const answer = await receiveRailMessage(secondary, messageAbout('po_east', 'po_west'), { forwardedFrom: here });
    expect(answer.status).toBe(200);
    expect(answer.forwardedTo).toBeUndefined();
    expect(answer.outcomes.map((outcome) => [outcome.payoutId, outcome.result, outcome.region])).toEqual([
      ['po_east', 'elsewhere', here],
      ['po_west', 'applied', undefined],
    ]);
    expect(sent).toEqual([]);
    expect(payouts.items.get('po_west')?.railStatus).toBe('paid');
    // The run carrying the word (`paid`) gave no answer here (the recording fake): the word is recorded, then run.
    expect(workflows.runs).toEqual([
      { kind: 'payout', input: { payoutId: 'po_west', action: 'paid' } },
      { kind: 'payout', input: { payoutId: 'po_west', action: 'rail' } },
    ]);

    // The rail (or the forwarding region) sends it again: nothing changes the second time.
    const writes = payouts.writes;
    const again = await receiveRailMessage(secondary, messageAbout('po_east', 'po_west'), { forwardedFrom: here });
    expect(again.outcomes.map((outcome) => outcome.result)).toEqual(['elsewhere', 'unchanged']);
    expect(payouts.writes).toBe(writes);
  });

  it("is sent to the other regions too when a payout is not known here (the rail's reference not replicated yet)", async () => {
    const { sent, forwarder } = forwarderAnswering(() => ({ status: 200 }));
    const { payouts, reads, deps } = setUp({}, forwarder);
    // Written in the secondary before it submitted the payout; not here yet.
    payouts.references.delete('pulse#e2e_po_west');
    const message = messageAbout('po_east', 'po_west');
    const answer = await receiveRailMessage(deps, message);
    expect(answer.outcomes.map((outcome) => [outcome.payoutId, outcome.result])).toEqual([
      ['po_east', 'applied'],
      [null, 'unmatched'],
    ]);
    expect(answer.forwardedTo).toEqual([west]);
    expect(sent).toEqual([{ region: west, channel: 'pulse', message }]);
    expect(reads).toEqual(['mer_east']);
    // Arriving forwarded, an event unknown there too is acknowledged (logged for operations), not sent back.
    const again = await receiveRailMessage(deps, message, { forwardedFrom: west });
    expect(again.status).toBe(200);
    expect(sent).toHaveLength(1);
  });

  it.each([
    ['the home region answered 503', () => ({ status: 503 })],
    ['the home region refused the signature (401)', () => ({ status: 401 })],
    ['no endpoint of the home region is configured', () => undefined],
  ])('is not acknowledged when %s: the rail retries (a file stays), after the events homed here were applied', async (_case, answer) => {
    const { sent, forwarder } = forwarderAnswering(answer);
    const { payouts, deps } = setUp({ mer_west: homedWest('mer_west') }, forwarder);
    await expect(receiveRailMessage(deps, messageAbout('po_east', 'po_west'))).rejects.toMatchObject({ name: 'RailMessageNotForwarded', message: expect.stringContaining(west) });
    expect(sent).toHaveLength(1);
    expect(payouts.items.get('po_east')?.railStatus).toBe('paid');
    expect(payouts.items.get('po_west')?.railStatus).toBe('received');
  });

  it('is "not yet" while a merchant of the message is being moved: nothing in it is written, nothing forwarded', async () => {
    const { sent, forwarder } = forwarderAnswering(() => ({ status: 200 }));
    const { payouts, workflows, deps } = setUp({ mer_west: beingMoved('mer_west') }, forwarder);
    // The payout homed here comes first: the check of every event happens before anything is written.
    await expect(receiveRailMessage(deps, messageAbout('po_east', 'po_west'))).rejects.toMatchObject({ name: 'RailEventsNotYetApplicable' });
    expect(payouts.writes).toBe(0);
    expect(workflows.runs).toEqual([]);
    expect(sent).toEqual([]);
  });

  it("is not applied here when the payout's item is not yet readable here without a strongly consistent read (replication lag)", async () => {
    // Prepare: the secondary wrote the payout, then its rail reference, before submitting it. Global tables
    // replicate items independently and an eventually consistent read may miss an item that has just arrived:
    // the primary finds the reference, the plain read misses the payout, the strongly consistent one finds it.
    const { sent, forwarder } = forwarderAnswering(() => ({ status: 200 }));
    const { payouts, workflows, reads, deps } = setUp({ mer_west: homedWest('mer_west') }, forwarder);
    const lagging: PayoutRepository = {
      ...payouts.repository,
      getPayout: async (id: string, options?: { consistent?: boolean }) => (id === 'po_west' && !options?.consistent ? undefined : payouts.items.get(id)),
    } as PayoutRepository;
    const lagged = { ...deps, payouts: lagging };
    // Act
    const answer = await receiveRailMessage(lagged, messageAbout('po_west')).catch((error: Error) => error);
    // Assess: forwarded to the home (or "not yet"); never the rail's word written on the other region's payout here,
    // its workflow run here, and the rail told "taken" while the home never heard of it.
    expect(payouts.items.get('po_west')?.railStatus).toBe('received');
    expect(payouts.writes).toBe(0);
    expect(workflows.runs).toEqual([]);
    if (answer instanceof Error) expect(answer.name).toBe('RailEventsNotYetApplicable');
    else {
      expect(answer.outcomes.map((outcome) => [outcome.payoutId, outcome.result, outcome.region])).toEqual([['po_west', 'elsewhere', west]]);
      expect(sent.map((item) => item.region)).toEqual([west]);
      expect(reads).toEqual(['mer_west']);
    }
  });

  it('is "not yet" when the rail\'s reference is known here but its payout is not (the payout item not replicated yet)', async () => {
    const { sent, forwarder } = forwarderAnswering(() => ({ status: 200 }));
    const { payouts, workflows, deps } = setUp({ mer_west: homedWest('mer_west') }, forwarder);
    payouts.items.delete('po_west');
    await expect(receiveRailMessage(deps, messageAbout('po_east', 'po_west'))).rejects.toMatchObject({ name: 'RailEventsNotYetApplicable' });
    // Nothing of the message written (the check of every event comes first), nothing forwarded: the rail retries.
    expect(payouts.writes).toBe(0);
    expect(workflows.runs).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('is refused (400) before anything is read or forwarded when its signature does not verify', async () => {
    const { sent, forwarder } = forwarderAnswering(() => ({ status: 200 }));
    const { reads, deps } = setUp({ mer_west: homedWest('mer_west') }, forwarder);
    const forged = { ...(messageAbout('po_west') as Extract<RailMessage, { kind: 'http' }>), headers: { 'pulse-signature': 'bad' } };
    const answer = await receiveRailMessage(deps, forged);
    expect(answer).toMatchObject({ status: 400, refusedAs: 'unauthenticated', outcomes: [] });
    expect(sent).toEqual([]);
    expect(reads).toEqual([]);
  });
});

describe('without forwarding (one region, or no REGION_API_URLS)', () => {
  it('applies every event where it arrives and reads no home marker, as before', async () => {
    const { payouts, reads, deps } = setUp({ mer_west: homedWest('mer_west') });
    const answer = await receiveRailMessage(deps, messageAbout('po_east', 'po_west'));
    expect(answer.outcomes.map((outcome) => outcome.result)).toEqual(['applied', 'applied']);
    expect(answer.forwardedTo).toBeUndefined();
    expect(payouts.items.get('po_west')?.railStatus).toBe('paid');
    expect(reads).toEqual([]);
  });
});

describe('applyRailEvents with homes', () => {
  it('reports an unknown reference as unmatched without reading any marker', async () => {
    const { deps, reads } = setUp({});
    const { ledger } = ledgerWith({});
    const outcomes = await applyRailEvents({ ...deps, homes: { ledger, region: here, primaryRegion: here } }, [
      { channel: 'pulse', railReference: 'e2e_nobody', type: 'paid', reason: null, occurredAt: now.toISOString() },
    ]);
    expect(outcomes).toEqual([{ railReference: 'e2e_nobody', payoutId: null, type: 'paid', result: 'unmatched' }]);
    expect(reads).toEqual([]);
  });

  it('applies here the payouts of a merchant homed here while its move only drains (not yet fenced)', async () => {
    const draining: HomeRegionMarker = { merchantId: 'mer_east', region: here, fenced: false, moveTo: west, epoch: 3, updatedAt: now.toISOString() };
    const { ledger } = ledgerWith({ mer_east: draining });
    const { payouts, deps } = setUp({});
    const outcomes = await applyRailEvents({ ...deps, homes: { ledger, region: here, primaryRegion: here } }, [
      { channel: 'pulse', railReference: 'e2e_po_east', type: 'paid', reason: null, occurredAt: now.toISOString() },
    ]);
    expect(outcomes.map((outcome) => outcome.result)).toEqual(['applied']);
    expect(payouts.items.get('po_east')?.railStatus).toBe('paid');
  });
});

describe("a rail's paid carried by the run (decision record 0052)", () => {
  it('is not written before the run: Settle records the word and the payment in one write, and the wait is closed', async () => {
    // Prepare: the run settles the payout as Settle does, in one write.
    const { payouts, workflows, deps } = setUp({});
    const waitTokens: string[] = [];
    workflows.answer = (_kind, input) => {
      const { payoutId } = input as { payoutId: string };
      const settled = paidAsTheRailSays(payouts.items.get(payoutId) as Payout, now);
      payouts.repository.updatePayout(settled);
      return { outcome: 'finished', output: { next: 'done', payout: stateOfPayout(settled) } };
    };
    const repository = { ...payouts.repository, getWaitingToken: async (id: string) => (waitTokens.push(id), `token-${id}`) } as PayoutRepository;
    // Act
    const outcomes = await applyRailEvents({ ...deps, payouts: repository }, [{ channel: 'pulse', railReference: 'e2e_po_east', type: 'paid', reason: null, occurredAt: now.toISOString() }]);
    // Assess
    expect(outcomes.map((outcome) => outcome.result)).toEqual(['applied']);
    expect(workflows.runs).toEqual([{ kind: 'payout', input: { payoutId: 'po_east', action: 'paid' } }]);
    expect(payouts.writes).toBe(1);
    const stored = payouts.items.get('po_east');
    expect(stored).toMatchObject({ status: 'paid', railStatus: 'paid', funds: 'paid', waiting: null, inFlightSince: null, version: 5 });
    expect(waitTokens).toEqual(['po_east']);
    expect(workflows.deliveries).toEqual([{ token: 'token-po_east', kind: 'resume', payload: { status: 'paid' } }]);
  });

  it.each([
    ['died (unfinished)', { outcome: 'unfinished', reason: 'HandOver' }],
    ['gave no answer in time (unknown)', { outcome: 'unknown', reason: 'deadline' }],
  ] as const)('is recorded here when the run carrying it %s, then the payout is run as before', async (_case, run) => {
    const { payouts, workflows, deps } = setUp({});
    workflows.answer = () => run as never;
    await applyRailEvents(deps, [{ channel: 'pulse', railReference: 'e2e_po_east', type: 'paid', reason: null, occurredAt: now.toISOString() }]);
    expect(workflows.runs.map((entry) => (entry.input as { action: string }).action)).toEqual(['paid', 'rail']);
    expect(payouts.items.get('po_east')).toMatchObject({ status: 'processing', railStatus: 'paid', inFlightSince: now.toISOString() });
  });

  it('is not carried when it would not settle the payout: a repeated word changes nothing and runs the payout as before', async () => {
    const { payouts, workflows, deps } = setUp({});
    await applyRailEvents(deps, [{ channel: 'pulse', railReference: 'e2e_po_east', type: 'paid', reason: null, occurredAt: now.toISOString() }]);
    const runs = workflows.runs.length;
    const writes = payouts.writes;
    // The word is recorded (the recording fake never finishes a run); the same word again is not carried.
    const again = await applyRailEvents(deps, [{ channel: 'pulse', railReference: 'e2e_po_east', type: 'paid', reason: null, occurredAt: now.toISOString() }]);
    expect(again.map((outcome) => outcome.result)).toEqual(['unchanged']);
    expect(workflows.runs.slice(runs).map((entry) => (entry.input as { action: string }).action)).toEqual(['rail']);
    expect(payouts.writes).toBe(writes);
  });
});
