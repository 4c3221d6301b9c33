import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { verifyLedger } from '../../lambdas/adapters/dynamodb/ledger-verifier';
import { signRequest } from '../../lambdas/adapters/http/sigv4';
import { deployment } from '../../platform/deployment';
import type { OperatorRole } from '../../platform/operator-routes';
import { tableName } from '../../platform/tables';
import type { ApiClient } from '../lib/http';
import type { BenchPlatform } from '../lib/platform';

/**
 * What every drill reports and the checks several share: the merchant's payments as the API lists them,
 * what an acquirer simulator recorded per payment, and the ledger verifier.
 */
export interface DrillResult {
  readonly name: string;
  readonly passed: boolean;
  /** Objects whose outcome was never reached (a payment never terminal, a key without its payment). */
  readonly lost: number;
  /** Objects made or charged more than once (two payments for one key, two charges for one payment). */
  readonly duplicated: number;
  /** Answers 5xx to a merchant request. */
  readonly server_errors: number;
  readonly counts: Record<string, unknown>;
  readonly violations: readonly string[];
  readonly seconds: number;
}

export const TERMINAL = ['succeeded', 'failed', 'canceled', 'requires_attention'];

export interface ListedPayment {
  readonly id: string;
  readonly status: string;
  readonly amount: number;
  readonly amount_received: number;
  readonly amount_refunded: number;
  readonly amount_capturable: number;
  readonly capture_method: string;
  readonly failure_code: string | null;
  readonly metadata: Record<string, string>;
}

/** Every payment of the merchant, newest first, through GET /v1/payments (pages of 100). */
export const listAllPayments = async (api: ApiClient, key: string): Promise<ListedPayment[]> => {
  const payments: ListedPayment[] = [];
  let after: string | undefined;
  for (;;) {
    const answer = await api.call('list_payments', 'GET', `/v1/payments?limit=100${after ? `&starting_after=${after}` : ''}`, { key });
    if (answer.status !== 200) throw new Error(`GET /v1/payments answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    payments.push(...(answer.json.data as ListedPayment[]));
    if (!answer.json.has_more) return payments;
    after = payments.at(-1)?.id;
  }
};

export interface SimulatorChannel {
  readonly name: string;
  readonly url: string;
  readonly apiKey: string;
}

export interface PaymentTotals {
  readonly payment_reference: string;
  readonly currency: string;
  readonly approved: number;
  readonly declined: number;
  readonly authorized: number;
  readonly captured: number;
  readonly refunded: number;
  readonly released: number;
  readonly captures: number;
  readonly refunds: number;
}

const simulatorGet = async <T>(channel: SimulatorChannel, path: string): Promise<T> => {
  const response = await fetch(`${channel.url}${path}`, { headers: { Authorization: `Bearer ${channel.apiKey}` } });
  if (!response.ok) throw new Error(`${channel.name} ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
};

/** Totals per payment reference across every simulator (a payment is routed to one channel). */
export const simulatorTotals = async (channels: readonly SimulatorChannel[]): Promise<Map<string, PaymentTotals[]>> => {
  const byPayment = new Map<string, PaymentTotals[]>();
  for (const channel of channels) {
    const totals = await simulatorGet<{ payments: PaymentTotals[] }>(channel, '/__simulator/totals');
    for (const entry of totals.payments) byPayment.set(entry.payment_reference, [...(byPayment.get(entry.payment_reference) ?? []), entry]);
  }
  return byPayment;
};

/** Every webhook event delivered (or given up), every capture settled and refund completed. */
export const simulatorsSettled = async (channels: readonly SimulatorChannel[]): Promise<boolean> => {
  for (const channel of channels) {
    const [operations, events] = await Promise.all([
      simulatorGet<{ data: { type: string; outcome: string }[] }>(channel, '/__simulator/operations'),
      simulatorGet<{ data: { type: string; delivered_at: string | null; abandoned_at: string | null }[] }>(channel, '/__simulator/events'),
    ]);
    const succeeded = (type: string) => operations.data.filter((operation) => operation.type === type && operation.outcome === 'succeeded').length;
    const emitted = (type: string) => events.data.filter((event) => event.type === type).length;
    if (emitted('capture.settled') < succeeded('capture') || emitted('refund.succeeded') < succeeded('refund')) return false;
    if (events.data.some((event) => event.delivered_at === null && event.abandoned_at === null)) return false;
  }
  return true;
};

/** Fault rates at every acquirer; with a seed, each draws its faults from its own seeded sequence (seed + its index). */
export const setSimulatorFaults = async (channels: readonly SimulatorChannel[], errorRate: number, timeoutRate: number, seed?: number) => {
  const injected: Record<string, unknown> = {};
  for (const [index, channel] of channels.entries()) {
    const response = await fetch(`${channel.url}/__simulator/faults`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${channel.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ error_rate: errorRate, timeout_rate: timeoutRate, ...(seed === undefined ? {} : { seed: seed + index }) }),
    });
    if (!response.ok) throw new Error(`${channel.name}: setting faults answered ${response.status}`);
    injected[channel.name] = await response.json();
  }
  return injected;
};

/**
 * Money at the acquirer agrees with the payment: at most one approved authorization; a succeeded payment
 * captured exactly what it received, refunded what it refunded, and holds nothing more; a failed or
 * canceled one holds nothing and kept nothing (every compensation done). Returns the violations.
 */
export const checkAgainstAcquirer = (payment: ListedPayment, totals: readonly PaymentTotals[] | undefined): string[] => {
  const violations: string[] = [];
  const entries = totals ?? [];
  const sum = (field: keyof PaymentTotals) => entries.reduce((total, entry) => total + (entry[field] as number), 0);
  if (sum('approved') > 1) violations.push(`${payment.id}: ${sum('approved')} approved authorizations at the acquirer (double charge)`);
  if (sum('captures') > 1) violations.push(`${payment.id}: ${sum('captures')} captures at the acquirer`);
  const held = sum('authorized') - sum('captured') - sum('released');
  if (payment.status === 'succeeded') {
    if (sum('captured') !== payment.amount_received) violations.push(`${payment.id}: received ${payment.amount_received}, acquirer captured ${sum('captured')}`);
    if (sum('refunded') !== payment.amount_refunded) violations.push(`${payment.id}: refunded ${payment.amount_refunded}, acquirer refunded ${sum('refunded')}`);
    if (held !== 0) violations.push(`${payment.id}: succeeded but ${held} still held at the acquirer`);
  } else if (payment.status === 'failed' || payment.status === 'canceled') {
    if (held !== 0) violations.push(`${payment.id}: ${payment.status} but ${held} still held at the acquirer (void not done)`);
    if (sum('captured') - sum('refunded') !== 0) violations.push(`${payment.id}: ${payment.status} but the acquirer kept ${sum('captured') - sum('refunded')} (refund not done)`);
  } else if (payment.status === 'requires_attention') {
    violations.push(`${payment.id}: requires_attention (a compensation kept failing)`);
  } else {
    violations.push(`${payment.id}: not terminal (${payment.status})`);
  }
  return violations;
};

/** The ledger verifier (npm run ledger:verify) against a DynamoDB endpoint: the list of differences. */
export const ledgerDifferences = async (endpoint: string): Promise<string[]> => {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: deployment.primaryRegion, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const report = await verifyLedger(client, tableName('ledger'));
  return report.differences.map((difference) => `[${difference.kind}] ${difference.subject}: ${difference.detail}`);
};

export const drillResult = (
  name: string,
  started: number,
  parts: { lost: number; duplicated: number; server_errors: number; counts: Record<string, unknown>; violations: readonly string[] },
): DrillResult => ({
  name,
  passed: parts.violations.length === 0 && parts.lost === 0 && parts.duplicated === 0 && parts.server_errors === 0,
  lost: parts.lost,
  duplicated: parts.duplicated,
  server_errors: parts.server_errors,
  counts: parts.counts,
  violations: parts.violations,
  seconds: (Date.now() - started) / 1000,
});

/**
 * A request to the operator API signed (SigV4) with the local credentials of `role`; no role: unsigned.
 * `body` is sent as it is when a string (the malformed-input drill's raw bodies), else as JSON.
 */
export const operatorFetch = (
  platform: BenchPlatform,
  role: OperatorRole | undefined,
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<Response> => {
  const url = new URL(`${platform.runtime.operatorApiUrl}${path}`);
  const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { ...(raw !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...extraHeaders, host: url.host };
  const operator = platform.runtime.operators.find((candidate) => candidate.role === role);
  const signed = operator
    ? signRequest(
        { method, path: url.pathname, query: url.search.slice(1), headers, body: raw ?? '' },
        { accessKeyId: operator.access_key_id, secretAccessKey: operator.secret_access_key },
        { region: deployment.primaryRegion, service: 'execute-api' },
      )
    : {};
  const { host: _host, ...sent } = headers;
  return fetch(url, { method, headers: { ...sent, ...signed }, body: raw });
};
