import { runFailures } from '../../../bench/lib/verdict';

/** When a benchmark run fails instead of reporting figures. */
describe('when a benchmark run fails', () => {
  const healthy = { anomalies: 0, warmUpAnomalies: 0, serverErrors: 0, warmUpServerErrors: 0, settled: true, warmUpSettled: true, ledgerDifferences: 0, untrackedInvocations: 0 };

  it('passes a run with nothing wrong', () => {
    expect(runFailures(healthy)).toEqual([]);
  });

  it('fails on each kind of misbehaviour, naming it', () => {
    expect(runFailures({ ...healthy, anomalies: 2 })).toEqual(['2 anomalies']);
    expect(runFailures({ ...healthy, warmUpAnomalies: 1 })).toEqual(['1 warm-up anomalies']);
    expect(runFailures({ ...healthy, serverErrors: 1, warmUpServerErrors: 2 })).toEqual(['3 server errors to merchants']);
    expect(runFailures({ ...healthy, settled: false })).toEqual(['sagas, settlements or webhooks still running (not settled)']);
    expect(runFailures({ ...healthy, warmUpSettled: false })).toEqual(['sagas, settlements or webhooks still running (not settled)']);
    expect(runFailures({ ...healthy, ledgerDifferences: 3 })).toEqual(['3 ledger differences']);
    expect(runFailures({ ...healthy, untrackedInvocations: 4 })).toEqual(['4 invocations the attribution did not see']);
    expect(runFailures({ ...healthy, anomalies: 1, ledgerDifferences: 1 })).toHaveLength(2);
  });
});
