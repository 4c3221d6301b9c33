import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MerchantCredentials } from '../../local/seed';
import { type RequestOptions, request } from './http';

/** The runtime started by test/e2e/global-setup.ts and its demo merchants. */
export const e2eApiUrl = (): string => {
  const url = process.env.E2E_API_URL;
  if (!url) throw new Error('E2E_API_URL is unset: run e2e tests through jest (global setup starts the runtime)');
  return url;
};

export const demoMerchants = (): MerchantCredentials[] =>
  JSON.parse(readFileSync(join(process.env.E2E_STATE_DIR as string, 'merchants.json'), 'utf8')) as MerchantCredentials[];

export const api = (method: string, path: string, options?: RequestOptions) => request(e2eApiUrl(), method, path, options);

export const testCard = (number = '4242424242424242') => ({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } });

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
