import { randomInt } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { playerCardNumber } from '../../bench/lib/mix';
import type { MerchantCredentials } from '../../local/seed';
import { type RequestOptions, request } from './http';
import type { components } from './merchant-api';
import { openApiViolations } from './openapi-responses';

/** The runtime started by test/e2e/global-setup.ts and its demo merchants. */
export const e2eApiUrl = (): string => {
  const url = process.env.E2E_API_URL;
  if (!url) throw new Error('E2E_API_URL is unset: run e2e tests through jest (global setup starts the runtime)');
  return url;
};

export const demoMerchants = (): MerchantCredentials[] =>
  JSON.parse(readFileSync(join(process.env.E2E_STATE_DIR as string, 'merchants.json'), 'utf8')) as MerchantCredentials[];

/**
 * A request to the e2e runtime's merchant API. Every response is checked against the OpenAPI document
 * (test/support/openapi-responses.ts): one that departs from it throws, failing the test that received it.
 * Every response is also appended to `<state dir>/responses.ndjson`, which the leak scan reads after the
 * suite (test/e2e/leak-scan.ts).
 */
export const api = async (method: string, path: string, options?: RequestOptions) => {
  const response = await request(e2eApiUrl(), method, path, options);
  const stateDir = process.env.E2E_STATE_DIR;
  if (stateDir) appendFileSync(join(stateDir, 'responses.ndjson'), `${JSON.stringify({ method, path, status: response.status, body: response.text })}\n`);
  const violations = openApiViolations({ method, path, status: response.status, contentType: response.headers.get('content-type'), json: response.json });
  if (violations.length) throw new Error(`The answer departs from docs/openapi.json:\n${violations.join('\n')}\nBody: ${response.text.slice(0, 2000)}`);
  return response;
};

/** A balance transaction as the merchant API lists it (docs/openapi.json). */
export type BalanceTransaction = components['schemas']['BalanceTransaction'];

/** Every balance transaction of the merchant whose secret key is given, through all the list's pages, newest first. */
export const allBalanceTransactions = async (key: string): Promise<BalanceTransaction[]> => {
  const lines: BalanceTransaction[] = [];
  let after: string | undefined;
  for (;;) {
    const page = (await api('GET', `/v1/balance_transactions?limit=100${after ? `&starting_after=${after}` : ''}`, { key })).json as components['schemas']['BalanceTransactionList'];
    lines.push(...page.data);
    if (!page.has_more) return lines;
    after = page.data.at(-1)?.id;
  }
};

export const testCard = (number = '4242424242424242') => ({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } });

/**
 * An approving test card no other test uses: velocity rules count a card across merchants (decision 0026), and
 * the platform's default rule set declines a card's sixth attempt in ten minutes, so a suite whose merchant
 * keeps the defaults must not reuse the shared 4242 card after the other suites used it.
 */
let freshCards = randomInt(1, 100_000_000);
export const freshTestCard = () => testCard(playerCardNumber(freshCards++));

/** Ask again (with short pauses) until the answer satisfies the condition; the last answer otherwise. */
export const eventually = async <T>(ask: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let value = await ask();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((wait) => setTimeout(wait, 100));
    value = await ask();
  }
  return value;
};

/** What `npm start` wrote about itself (endpoints, the simulators' URLs and keys). */
export const runtimeInfo = (): import('../e2e/global-setup').StartedRuntime['runtime'] =>
  JSON.parse(readFileSync(join(process.env.E2E_STATE_DIR as string, 'runtime.json'), 'utf8'));

/** What an acquirer simulator recorded for a payment reference (approved = charges). */
export const acquirerTotals = async (channel: string, paymentId: string) => {
  const simulator = runtimeInfo().cardChannels.find((candidate) => candidate.name === channel);
  if (!simulator) throw new Error(`No simulator ${channel}`);
  const response = await fetch(`${simulator.url}/__simulator/totals`, { headers: { Authorization: `Bearer ${simulator.apiKey}` } });
  const totals = (await response.json()) as { payments: { payment_reference: string; approved: number; captures: number; captured: number; refunded: number; released: number }[] };
  return totals.payments.find((entry) => entry.payment_reference === paymentId);
};

/**
 * A failed Standard execution, made on purpose: a saga recovery started for a kind of object it does not know
 * fails at once in its UnknownKind Fail state (so a redrive fails there again). Resolves once it has FAILED.
 */
export const failedRecoveryExecution = async (sfnEndpoint: string, name: string): Promise<{ executionArn: string; sfn: SFNClient }> => {
  const sfn = new SFNClient({ endpoint: sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' } });
  const recovery = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.find((machine) => machine.name === 'xborder-saga-recovery')?.stateMachineArn as string;
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: recovery, name, input: JSON.stringify({ kind: 'chargeback', id: name.split('-')[0] }) }));
  await eventually(() => sfn.send(new DescribeExecutionCommand({ executionArn })), (described) => described.status === 'FAILED');
  return { executionArn: executionArn as string, sfn };
};
