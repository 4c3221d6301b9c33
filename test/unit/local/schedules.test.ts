import { functions } from '../../../platform/functions';
import { scheduledEvent, scheduledFunctionKeys, startLocalSchedules } from '../../../local/schedules';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local schedules', () => {
  it('run exactly the functions declared as scheduled, with an EventBridge scheduled event', () => {
    // pullPayoutRailInbox is scheduled in AWS only: locally the payout-rail bridge reads the inbox (localStandIn).
    expect(scheduledFunctionKeys()).toEqual(['sweepUnstartedSagas', 'pullSettlementFiles']);
    expect(functions.pullPayoutRailInbox).toMatchObject({ invokedBy: 'schedule', schedule: { localStandIn: 'local/payout-rails.ts' } });
    // The pull is the primary's alone (both regions would reconcile the same files); the sweeper runs in each.
    expect(scheduledFunctionKeys('us-west-2')).toEqual(['sweepUnstartedSagas']);
    const event = scheduledEvent('sweepUnstartedSagas', new Date('2026-11-21T12:00:00.123Z'));
    expect(event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-11-21T12:00:00Z',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/xborder-sweep-unstarted-sagas'],
      detail: {},
    });
  });

  it('invoke on every tick, one run at a time, and stop cleanly: the run in flight finishes, no run follows', async () => {
    // Prepare
    let started = 0;
    let finished = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const schedules = startLocalSchedules({
      keys: ['sweepUnstartedSagas'],
      intervalMs: 5,
      onError: () => undefined,
      invoke: async () => {
        started += 1;
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(20);
        concurrent -= 1;
        finished += 1;
      },
    });
    // Act
    while (started < 2) await sleep(5);
    await schedules.stop();
    const afterStop = started;
    await sleep(50);
    // Assess
    expect(finished).toBe(started);
    expect(started).toBe(afterStop);
    expect(maxConcurrent).toBe(1);
  });

  it('hand a failed run to onError and keep running', async () => {
    const errors: unknown[] = [];
    const schedules = startLocalSchedules({
      keys: ['sweepUnstartedSagas'],
      intervalMs: 0,
      onError: (_key, error) => errors.push(error),
      invoke: async () => {
        throw new Error('sweep failed');
      },
    });
    await schedules.runNow();
    await schedules.runNow();
    await schedules.stop();
    expect(errors).toHaveLength(2);
  });
});
