import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSmoke, stopSmokeRuns } from './smoke-run';

/**
 * `npm run drill` at smoke size, so the drills keep working: it starts its own runtimes, writes its JSON
 * report, and every drill reports no violation: nothing lost, duplicated or answered 5xx, and each drill's
 * own invariants. The benchmark: bench-smoke.test.ts (a file of its own, so the two run on different workers).
 */
const outDir = mkdtempSync(join(tmpdir(), 'xborder-drill-smoke-'));
afterAll(() => {
  stopSmokeRuns();
  rmSync(outDir, { recursive: true, force: true });
});

it('npm run drill --smoke runs every drill and reports zero lost, zero duplicated and zero 5xx', async () => {
  const { code, output } = await runSmoke('bench/run-drill.ts', ['--smoke', '--out', outDir, '--name', 'drill'], { deadlineMs: 570_000 });
  // No report when the run was stopped at its deadline: the assertion below then shows where it was.
  const report = existsSync(join(outDir, 'drill.json')) ? JSON.parse(readFileSync(join(outDir, 'drill.json'), 'utf8')) : { drills: {} };
  expect({ code, verdict: report.verdict, violations: Object.values(report.drills).flatMap((drill: any) => drill.violations), output: code === 0 ? '' : output.slice(-4000) }).toEqual({
    code: 0,
    verdict: 'zero lost, zero duplicated, zero 5xx',
    violations: [],
    output: '',
  });
  expect(report).toMatchObject({ schema: 'xborder-drill/1', passed: true, zero_lost: true, zero_duplicated: true, zero_5xx: true, lost: 0, duplicated: 0, server_errors: 0, violations: 0 });
  // region_loss is left out of `--smoke` unless named (bench/run-drill.ts: about 100 s even at smoke size, decision
  // 0039); `npm run drill` runs it.
  expect(Object.keys(report.drills)).toEqual(['malformed_input', 'acquirer_outage', 'duplicate_storm', 'payout_storm', 'rail_ambiguity', 'late_retry', 'adversarial_webhooks', 'dynamodb_throttle', 'channel_faults', 'webhook_delivery', 'reconciliation', 'crash', 'express_crash', 'payout_crash']);
  expect(report.drills.reconciliation).toMatchObject({ passed: true, counts: { false_breaks: 0 } });
  expect(report.drills.reconciliation.counts.found_breaks).toBe(report.drills.reconciliation.counts.injected_breaks);
  expect(report.drills.malformed_input.counts).toMatchObject({ requests: 150, accepted: 0, dynamodb_writes: 0 });
  expect(report.drills.acquirer_outage).toMatchObject({ double_authorizations: 0, auth_rate_with_failover: expect.any(Number), auth_rate_baseline: expect.any(Number) });
  expect(report.drills.acquirer_outage.auth_rate_with_failover).toBeGreaterThanOrEqual(0.98);
  expect(report.drills.duplicate_storm.counts).toMatchObject({ keys: 4, payments: 4, charges_at_acquirer: 4 });
  expect(report.drills.payout_storm.counts).toMatchObject({ keys: 4, payouts: 4, statuses: { paid: 4 }, submissions_at_rails: 4, payments_at_rails: 4, reserved_left: 0, ledger_differences: 0 });
  expect(report.drills.rail_ambiguity.counts).toMatchObject({ paid_and_released: 0, released_on_unknown: 0, rail_ledger_mismatches: 0, ledger_differences: 0 });
  expect(report.drills.late_retry.counts).toMatchObject({ rounds: 1, new_side_effects: 0, ledger_differences: 0 });
  expect(report.drills.late_retry.counts.after_25_hours.same_object).toBe(report.drills.late_retry.counts.requests);
  expect(report.drills.late_retry.counts.after_91_days.executions_forgotten).toBeGreaterThan(0);
  expect(report.drills.adversarial_webhooks.counts).toMatchObject({ double_settlements: 0, ledger_differences: 0 });
  // Both kinds of notification were replayed: acquirer events and rail callbacks.
  expect(Object.keys(report.drills.adversarial_webhooks.counts.notifications_by_kind)).toEqual(expect.arrayContaining(['acquirer capture.settled', 'rail keystone', 'rail pulse']));
  // Acquirer events replayed alone and in lists (decision 0054): applied again or ignored, never retry or rejected.
  expect(report.drills.adversarial_webhooks.counts.answers_by_phase.batched).toBeDefined();
  expect(Object.keys(report.drills.adversarial_webhooks.counts.acquirer_event_outcomes).sort()).toEqual(expect.arrayContaining(['applied']));
  expect(report.drills.adversarial_webhooks.counts.acquirer_event_outcomes).not.toHaveProperty('retry');
  expect(report.drills.dynamodb_throttle.counts).toMatchObject({ payments: 6, refunded_by_outage: 0, statuses: { succeeded: 6 }, ledger_differences: 0 });
  expect(report.drills.dynamodb_throttle.counts.refused_share).toBeGreaterThan(0);
  expect(report.drills.channel_faults.counts).toMatchObject({ payments: 8, stuck_past_deadline: 0, ledger_differences: 0 });
  expect(report.drills.crash.counts).toMatchObject({ payments: 6, kills: 1, ledger_differences: 0 });
  const webhooks = report.drills.webhook_delivery.counts;
  expect(webhooks).toMatchObject({ payments: 8, missed_events: 0, events_missing_from_api: 0, unverified_signatures: 0, events_without_success_in_api: 0, dead_lettered: 0 });
  expect(webhooks.delivered).toBe(webhooks.events);
  expect(webhooks.events).toBeGreaterThanOrEqual(16);
  expect(webhooks.duplicate_deliveries).toEqual(expect.any(Number));
  const expressCrash = report.drills.express_crash.counts;
  expect(expressCrash).toMatchObject({ ledger_differences: 0 });
  expect(expressCrash.in_flight_at_the_kill).toBeGreaterThan(0);
  expect(expressCrash.payments_finished_by_recovery).toBeGreaterThan(0);
  const payoutCrash = report.drills.payout_crash.counts;
  expect(payoutCrash).toMatchObject({ kills: 1, reserved_left: 0, ledger_differences: 0 });
  expect(payoutCrash.payments_at_rails).toBe(payoutCrash.payouts);
  expect(payoutCrash.unfinished_at_kill).toBeGreaterThan(0);
}, 600_000);
