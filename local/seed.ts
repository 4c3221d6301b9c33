import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { authenticateMerchant } from '../lambdas/use-cases/authenticate-merchant';
import { onboardMerchant } from '../lambdas/use-cases/onboard-merchant';
import type { MerchantRepository } from '../lambdas/ports/merchant-repository';

/**
 * Two demo merchants with fixed ids, so a persisted local database keeps them across restarts.
 * A key in the merchants file is reused while it still authenticates; otherwise (first start, an
 * in-memory run, a wiped database) the merchant gets a new key and the file is rewritten.
 */
export const DEMO_MERCHANTS = [
  { id: 'mer_demo_pixelforge', name: 'Pixel Forge Games' },
  { id: 'mer_demo_northwind', name: 'Northwind Studios' },
] as const;

export interface MerchantCredentials {
  readonly id: string;
  readonly name: string;
  readonly api_key: string;
}

const readCredentials = (file: string): MerchantCredentials[] => {
  if (!existsSync(file)) return [];
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(parsed) ? (parsed as MerchantCredentials[]) : [];
  } catch {
    return [];
  }
};

export const ensureDemoMerchants = async (merchants: MerchantRepository, file: string): Promise<MerchantCredentials[]> => {
  const known = readCredentials(file);
  const result: MerchantCredentials[] = [];
  for (const demo of DEMO_MERCHANTS) {
    const previous = known.find((entry) => entry.id === demo.id);
    const stillValid = previous && (await authenticateMerchant({ merchants }, previous.api_key))?.merchantId === demo.id;
    if (previous && stillValid) {
      result.push(previous);
      continue;
    }
    const onboarded = await onboardMerchant({ merchants, now: () => new Date() }, demo);
    result.push({ id: onboarded.merchant.id, name: onboarded.merchant.name, api_key: onboarded.secretKey });
  }
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
  return result;
};
