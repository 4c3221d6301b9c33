import { useEffect, useState } from 'preact/hooks';
import type { Session } from './api';
import { time } from './format';
import type { AlarmReportJson, HealthFiguresJson, PlatformHealthJson } from './types';
import { useApi } from './use-api';

/**
 * The platform's live health (decisions 0033 item 3, 0041): GET /v1/health, which reads the region's CloudWatch
 * metrics (locally the CloudWatch stand-in), refreshed every 10 s while the page is open. Payments per second
 * (payment creations asked of the merchant API), the authorization rate, the latency of payment creation (p50,
 * p99), server errors, Lambda errors and throttles: over the window, and minute by minute, newest first. Above
 * them, the alarms firing (GET /v1/alarms, decision 0050): since when, why, and the runbook section.
 */
export const REFRESH_MS = 10_000;
const WINDOWS = [5, 15, 60, 180] as const;

const rate = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);
const ms = (value: number | null) => (value === null ? '–' : `${Math.round(value)} ms`);
/** Enough digits that a quiet window (a few payments in 15 minutes) does not read as zero. */
const perSecond = (value: number) => (value === 0 ? '0' : value < 1 ? value.toPrecision(2) : value.toFixed(value >= 10 ? 1 : 2));

export const HealthPanel = ({ session }: { session: Session }) => {
  const [minutes, setMinutes] = useState<number>(15);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((count) => count + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const health = useApi<PlatformHealthJson>(session, '/v1/health', { minutes: String(minutes) }, tick);
  const alarms = useApi<AlarmReportJson>(session, '/v1/alarms', {}, tick);
  const totals = health.value?.totals;
  return (
    <>
      <h1>Health</h1>
      <FiringAlarms report={alarms.value} error={alarms.error} />
      <section data-testid="health">
        <p class="muted">
          <label class="inline">
            Last{' '}
            <select data-testid="health-window" value={String(minutes)} onChange={(event) => setMinutes(Number((event.target as HTMLSelectElement).value))}>
              {WINDOWS.map((window) => (
                <option value={String(window)}>{window} minutes</option>
              ))}
            </select>
          </label>{' '}
          {health.value && <span data-testid="health-updated">to {time(health.value.end)}, refreshed every {REFRESH_MS / 1000} s</span>}
          {(health.loading || health.refreshing) && ' …'}
        </p>
        {health.error && <p class="error">{health.error}</p>}
        {totals && (
          <div class="tiles">
            <Tile id="payments-per-second" label="Payments/s" value={perSecond(totals.payments_per_second)} note={`${totals.payments_requested} requested`} />
            <Tile
              id="authorization-rate"
              label="Authorization rate"
              value={rate(totals.authorization_rate)}
              note={`${totals.payments_authorized} authorized, ${totals.payments_failed_unauthorized} failed`}
            />
            <Tile id="latency-p50" label="Latency p50" value={ms(totals.latency_p50_ms)} note="POST /v1/payments" />
            <Tile id="latency-p99" label="Latency p99" value={ms(totals.latency_p99_ms)} note="POST /v1/payments" />
            <Tile id="errors" label="Errors" value={String(totals.server_errors + totals.function_errors)} note={`${totals.server_errors} 5xx, ${totals.function_errors} function errors, ${totals.throttles} throttles`} />
          </div>
        )}
      </section>
      {health.value && (
        <section>
          <h2>Minute by minute</h2>
          <table data-testid="health-minutes">
            <thead>
              <tr><th>Minute</th><th>Payments/s</th><th>Authorization rate</th><th>p50</th><th>p99</th><th>5xx</th><th>Function errors</th><th>Throttles</th></tr>
            </thead>
            <tbody>
              {[...health.value.per_minute].reverse().map((minute) => (
                <MinuteRow minute={minute} />
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
};

const Tile = ({ id, label, value, note }: { id: string; label: string; value: string; note: string }) => (
  <div class="tile" data-testid={`health-${id}`}>
    <div class="muted">{label}</div>
    <div class="figure">{value}</div>
    <div class="muted">{note}</div>
  </div>
);

const MinuteRow = ({ minute }: { minute: HealthFiguresJson & { at: string } }) => (
  <tr>
    <td class="mono">{time(minute.at).slice(11, 16)}</td>
    <td>{perSecond(minute.payments_per_second)}</td>
    <td>{rate(minute.authorization_rate)}</td>
    <td>{ms(minute.latency_p50_ms)}</td>
    <td>{ms(minute.latency_p99_ms)}</td>
    <td>{minute.server_errors}</td>
    <td>{minute.function_errors}</td>
    <td>{minute.throttles}</td>
  </tr>
);

/** The alarms in ALARM, newest first, with the counts of the others (alarms without data are listed by GET /v1/alarms). */
const FiringAlarms = ({ report, error }: { report: AlarmReportJson | undefined; error: string | undefined }) => {
  if (error) return <p class="error">{error}</p>;
  if (!report) return null;
  const firing = report.data.filter((alarm) => alarm.state === 'ALARM');
  return (
    <section data-testid="alarms">
      <p class={firing.length ? 'error' : 'muted'} data-testid="alarms-counts">
        {firing.length ? `${firing.length} alarm${firing.length === 1 ? '' : 's'} firing` : 'No alarm firing'}; {report.counts.ok} OK, {report.counts.insufficient_data} without data
      </p>
      {firing.length > 0 && (
        <table data-testid="alarms-firing">
          <thead>
            <tr><th>Alarm</th><th>Since</th><th>Why</th><th>Runbook</th></tr>
          </thead>
          <tbody>
            {firing.map((alarm) => (
              <tr title={alarm.description}>
                <td class="mono">{alarm.name}</td>
                <td class="mono">{time(alarm.since)}</td>
                <td>{alarm.reason}</td>
                <td>{alarm.runbook ? `${alarm.runbook.document}, "${alarm.runbook.section}"` : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};
