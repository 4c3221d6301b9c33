import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { operatorRequest } from '../../lambdas/adapters/http/operator-client';
import { type OperatorCredentials, readOperatorCredentials } from '../../local/iam/operators';
import type { OperatorRole } from '../../platform/operator-routes';
import { type HttpResponse, request } from '../support/http';
import { openApiViolations } from '../support/openapi-responses';
import { type StartedRuntime, startRuntimeProcess, stopRuntimeProcess } from './global-setup';

/**
 * Issue 17's scripted routing scenario over real HTTP, against a runtime of its own (`npm start` in a child
 * process, in memory): taking an acquirer down must not disturb the other e2e files' shared runtime.
 *
 * An operator and then the merchant set the merchant's routing rules (a refused rule set leaves the version
 * in force); payments in EUR, BRL and USD with US and German cards are routed by them while both acquirers
 * are up; atlas is taken down (every request answered 503, the simulators' fault control the acquirer_outage
 * drill uses) and brought back. Every payment must succeed, record the decision that routed it (strategy,
 * rule, rule-set version, reason, plan: its timeline and its execution history), and have been charged
 * exactly once, at the acquirer its record names, by the simulators' own counts.
 */
let runtime: StartedRuntime;
let operators: OperatorCredentials[];

beforeAll(async () => {
  runtime = await startRuntimeProcess({ inMemory: true });
  operators = readOperatorCredentials(join(runtime.stateDir, 'operators.json'));
}, 180_000);

afterAll(async () => {
  if (!runtime) return;
  await stopRuntimeProcess(runtime);
  rmSync(runtime.stateDir, { recursive: true, force: true });
});

const checked = (method: string, path: string, response: HttpResponse): HttpResponse => {
  const violations = openApiViolations({ method, path, status: response.status, contentType: response.headers.get('content-type'), json: response.json });
  if (violations.length) throw new Error(`The answer departs from docs/openapi.json:\n${violations.join('\n')}\nBody: ${response.text.slice(0, 2000)}`);
  return response;
};
const merchantApi = async (key: string, method: string, path: string, body?: unknown) =>
  checked(method, path, await request(runtime.apiUrl, method, path, { key, body, idempotencyKey: method === 'POST' ? randomUUID() : undefined }));
const asOperator = (role: OperatorRole, method: 'GET' | 'POST', path: string, body?: unknown) => {
  const operator = operators.find((candidate) => candidate.role === role) as OperatorCredentials;
  return operatorRequest({ baseUrl: runtime.runtime.operatorApiUrl, credentials: { accessKeyId: operator.access_key_id, secretAccessKey: operator.secret_access_key }, method, path, body });
};
const simulator = async (name: string, method: string, path: string, body?: unknown) => {
  const channel = runtime.runtime.cardChannels.find((candidate) => candidate.name === name);
  if (!channel) throw new Error(`No simulator ${name}`);
  const response = await fetch(`${channel.url}${path}`, { method, headers: { Authorization: `Bearer ${channel.apiKey}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(response.status).toBe(200);
  return response.json();
};

/** A Luhn-valid card number of a BIN, unique per sequence number: each payment its own card (no velocity rule in play). */
let sequence = 0;
const cardOf = (bin: string) => {
  sequence += 1;
  const body = `${bin}${String(sequence).padStart(9, '0')}`;
  const sum = [...body].reverse().reduce((total, digit, index) => {
    const value = Number(digit) * (index % 2 === 0 ? 2 : 1);
    return total + (value > 9 ? value - 9 : value);
  }, 0);
  return { type: 'card', card: { number: `${body}${(10 - (sum % 10)) % 10}`, exp_month: 12, exp_year: 2031, cvc: '123' } };
};
const US_VISA = '424242';
const DE_VISA = '427600';

const rules = [
  { id: 'german-visa', when: { card_brand: ['visa'], bin_country: ['DE'] }, then: { channels: ['boreal', 'atlas'] } },
  { id: 'eur-atlas-first', when: { currency: ['EUR'], amount: { EUR: { min: 500, max: 500_000 } } }, then: { channels: ['atlas', 'boreal'] } },
  { id: 'brl-split', when: { currency: ['BRL'] }, then: { split: [{ channel: 'atlas', weight: 1 }, { channel: 'boreal', weight: 1 }] } },
];

interface Sent {
  readonly id: string;
  readonly phase: 'healthy' | 'outage' | 'recovery';
  readonly currency: string;
  readonly bin: string;
}

/** What the payment records of its routing, read back through its timeline. */
const decisionOf = async (key: string, paymentId: string) => {
  const events = (await merchantApi(key, 'GET', `/v1/payments/${paymentId}/events`)).json.data as { type: string; data: Record<string, unknown> }[];
  const screened = events.find((event) => event.type === 'payment.screened');
  const rerouted = events.filter((event) => event.type === 'payment.rerouted');
  return { screened: screened?.data, rerouted: rerouted.map((event) => event.data), finalChannel: (rerouted.at(-1)?.data.channel ?? screened?.data.channel) as string, types: events.map((event) => event.type) };
};

it('routes by the merchant rules, fails over while an acquirer is down and back, records every decision, and charges each payment once', async () => {
  // The merchant, and its rules: first set by an operator, then replaced by the merchant itself.
  const onboarded = await asOperator('ops_admin', 'POST', '/v1/merchants', { name: 'Routing Scenario Games' });
  expect(onboarded.status).toBe(201);
  const merchantId = onboarded.json.id as string;
  const key = (onboarded.json.api_key as { secret: string }).secret;
  const byOperator = await asOperator('ops_admin', 'POST', `/v1/merchants/${merchantId}/routing_rules`, { rules: [rules[2]] });
  expect(byOperator.json).toMatchObject({ version: 1 });
  const byMerchant = await merchantApi(key, 'POST', '/v1/routing_rules', { rules });
  expect(byMerchant.json).toMatchObject({ version: 2, rules });
  const refused = await merchantApi(key, 'POST', '/v1/routing_rules', { rules: [...rules, { id: 'yen-to-atlas', when: { currency: ['JPY'] }, then: { channels: ['atlas'] } }] });
  expect(refused.status).toBe(422);
  expect(refused.json.errors).toContainEqual({ field: 'rules.3.when.currency.0', message: expect.stringMatching(/^rule 'yen-to-atlas': would route JPY nowhere/) });
  expect((await asOperator('ops_viewer', 'GET', `/v1/merchants/${merchantId}/routing_rules`)).json).toMatchObject({ version: 2, rules });

  const sent: Sent[] = [];
  const pay = async (phase: Sent['phase'], currency: string, amount: number, bin: string) => {
    const created = await merchantApi(key, 'POST', '/v1/payments', { amount, currency, payment_method: cardOf(bin) });
    expect(created.status).toBe(201);
    sent.push({ id: created.json.id, phase, currency, bin });
    return created.json.id as string;
  };

  // Both acquirers up.
  for (let index = 0; index < 3; index += 1) await pay('healthy', 'EUR', 2_000, US_VISA);
  for (let index = 0; index < 2; index += 1) await pay('healthy', 'EUR', 2_000, DE_VISA);
  for (let index = 0; index < 6; index += 1) await pay('healthy', 'BRL', 5_000, US_VISA);
  await pay('healthy', 'USD', 1_500, US_VISA);

  // atlas down: every request it gets answers 503 before anything is recorded.
  await simulator('atlas', 'POST', '/__simulator/faults', { error_rate: 1, timeout_rate: 0 });
  let breakerOpened = false;
  const outageDeadline = Date.now() + 60_000;
  for (let count = 0; count < 12 || (!breakerOpened && Date.now() < outageDeadline); count += 1) {
    const id = await pay('outage', 'EUR', 2_000, US_VISA);
    const decision = await decisionOf(key, id);
    breakerOpened ||= decision.screened?.routing_reason === 'circuit_open_skipped';
  }
  expect(breakerOpened).toBe(true);

  // atlas back: its breaker half-opens after its cool-down, probes, and closes; the rule's order is then whole again.
  await simulator('atlas', 'POST', '/__simulator/faults', { error_rate: 0, timeout_rate: 0 });
  let backAtAtlas = false;
  const recoveryDeadline = Date.now() + 120_000;
  while (!backAtAtlas && Date.now() < recoveryDeadline) {
    const id = await pay('recovery', 'EUR', 2_000, US_VISA);
    const decision = await decisionOf(key, id);
    backAtAtlas = decision.screened?.routing_reason === 'merchant_rule' && decision.screened.channel === 'atlas';
  }
  expect(backAtAtlas).toBe(true);

  // Every payment: succeeded, its decision recorded, charged exactly once, at the acquirer its record names.
  const totals = new Map<string, Map<string, number>>();
  for (const channel of ['atlas', 'boreal']) {
    const listed = (await simulator(channel, 'GET', '/__simulator/totals')) as { payments: { payment_reference: string; approved: number }[] };
    totals.set(channel, new Map(listed.payments.map((entry) => [entry.payment_reference, entry.approved])));
  }
  const reasons: Record<string, number> = {};
  for (const payment of sent) {
    const got = (await merchantApi(key, 'GET', `/v1/payments/${payment.id}`)).json;
    const decision = await decisionOf(key, payment.id);
    const where = { id: payment.id, phase: payment.phase, currency: payment.currency, bin: payment.bin, reason: decision.screened?.routing_reason };
    expect({ ...where, status: got.status }).toEqual({ ...where, status: 'succeeded' });
    const charges = { atlas: totals.get('atlas')?.get(payment.id) ?? 0, boreal: totals.get('boreal')?.get(payment.id) ?? 0 };
    expect({ ...where, charges }).toEqual({ ...where, charges: { atlas: decision.finalChannel === 'atlas' ? 1 : 0, boreal: decision.finalChannel === 'boreal' ? 1 : 0 } });
    reasons[`${payment.phase}:${String(decision.screened?.routing_reason)}`] = (reasons[`${payment.phase}:${String(decision.screened?.routing_reason)}`] ?? 0) + 1;

    const plan = String(decision.screened?.routing_plan).split(',');
    expect(plan[0]).toBe(decision.screened?.channel);
    const expectedRule = payment.currency === 'USD' ? null : payment.bin === DE_VISA ? 'german-visa' : payment.currency === 'BRL' ? 'brl-split' : 'eur-atlas-first';
    expect({ ...where, rule: decision.screened?.routing_rule, version: decision.screened?.routing_rule_set_version, strategy: decision.screened?.routing_strategy }).toEqual({
      ...where,
      rule: expectedRule,
      version: expectedRule === null ? null : 2,
      strategy: expectedRule === null ? 'least_cost' : 'merchant_rules',
    });
    if (payment.phase === 'healthy') {
      // Both up: the rule's first channel (the split's draw for BRL), no failover; USD has no rule and one acquirer.
      const expected = payment.currency === 'USD' ? 'least_cost' : payment.currency === 'BRL' ? 'volume_split' : 'merchant_rule';
      expect({ ...where, rerouted: decision.rerouted.length }).toEqual({ ...where, reason: expected, rerouted: 0 });
      if (payment.bin === DE_VISA) expect(decision.finalChannel).toBe('boreal');
      if (payment.currency === 'EUR' && payment.bin === US_VISA) expect(decision.finalChannel).toBe('atlas');
    }
    if (payment.phase === 'outage') {
      // atlas refused before recording anything: either tried and left (rerouted on its word) or skipped by its open breaker.
      expect(decision.finalChannel).toBe('boreal');
      if (decision.screened?.channel === 'atlas') expect(decision.rerouted).toEqual([expect.objectContaining({ from_channel: 'atlas', channel: 'boreal', reason: 'channel_unavailable' })]);
      // Skipped: atlas out of the plan while its breaker is open, or last in it once half-open and not drawn to
      // probe (after 5 s, which a slow machine's outage phase can outlast).
      else expect({ ...where, plan: plan.filter((channel) => channel !== 'atlas'), atlasLast: !plan.includes('atlas') || plan.at(-1) === 'atlas' }).toEqual({ ...where, reason: 'circuit_open_skipped', plan: ['boreal'], atlasLast: true });
    }
  }
  // The outage's first payments were tried at atlas (its breaker still closed) and failed over on its word.
  expect(reasons['outage:merchant_rule']).toBeGreaterThan(0);

  // The execution history shows the same decision: the Screen step's output carries the payment's route.
  const sfn = new SFNClient({ endpoint: runtime.runtime.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'ops', secretAccessKey: 'ops' } });
  const rerouted = sent.find((payment) => payment.phase === 'outage') as Sent;
  const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:xborder-payment', maxResults: 1000 }));
  const executionArn = executions.executions?.find((execution) => execution.name === rerouted.id)?.executionArn;
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  const screenOutput = history.events?.find((event) => event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === 'Screen')?.stateExitedEventDetails?.output;
  expect(JSON.parse(screenOutput ?? '{}')).toMatchObject({ progress: { payment: { route: { strategy: 'merchant_rules', rule: { id: 'eur-atlas-first', version: 2 }, reason: 'merchant_rule', plan: ['atlas', 'boreal'] } } } });
  const states = (history.events ?? []).filter((event) => event.type?.endsWith('StateEntered')).map((event) => event.stateEnteredEventDetails?.name);
  expect(states.filter((state) => state === 'Authorize')).toHaveLength(2);
}, 420_000);
