import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { RiskRuleSet } from '../lambdas/domain/risk';
import type { MerchantRepository } from '../lambdas/ports/merchant-repository';
import { authenticateMerchant } from '../lambdas/use-cases/authenticate-merchant';
import { createApiKey } from '../lambdas/use-cases/create-api-key';
import { revokeApiKey } from '../lambdas/use-cases/revoke-api-key';

/**
 * Two demo merchants with fixed ids, so a persisted local database keeps them across restarts.
 * A key in the merchants file is reused while it still authenticates; otherwise (first start, an
 * in-memory run, a wiped database) the merchant gets a new key and the file is rewritten.
 */
export const DEMO_MERCHANTS = [
  { id: 'mer_demo_pixelforge', name: 'Pixel Forge Games' },
  { id: 'mer_demo_northwind', name: 'Northwind Studios' },
] as const;

/**
 * The demo merchants' own risk rule set (version 1, set once: a later change through the API stays).
 * Test-card behaviour lives here and in the simulators, not in the platform's rules (domain/risk.ts): the
 * demos, e2e suites and the bench reuse the always-approve test cards far more than 5 times in 10 minutes,
 * so their card velocity limit is far higher; and the test range 410000 stands for "the network's
 * highest-risk cards" (4100 0000 0000 0019 declines `risk_declined`, docs/simulators.md).
 */
export const DEMO_RISK_RULES: Omit<RiskRuleSet, 'owner' | 'version'> = {
  rules: [
    { id: 'card_velocity', when: { velocity: { per: 'card', windowMinutes: 10, gt: 1_000_000 } }, score: 80 },
    { id: 'large_amount', when: { amountMajor: { gte: 1_000_000 } }, score: 30 },
    { id: 'blocked_test_range', when: { bin: { in: ['410000'] } }, score: 100 },
  ],
  thresholds: { block: 80 },
};

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

/** Revoke every active key of a merchant whose secrets are lost (the demo file was deleted), then issue one. */
const reissueOnlyKey = async (merchants: MerchantRepository, merchantId: string): Promise<string> => {
  const now = () => new Date();
  for (;;) {
    const page = await merchants.listApiKeys(merchantId, { limit: 100 });
    const active = page.keys.filter((key) => key.status === 'active');
    if (active.length === 0) break;
    for (const key of active) {
      await revokeApiKey({ merchants, now }, { merchantId, keyId: key.keyId, commandId: 'local-seed', keepOneActive: false });
    }
  }
  return (await createApiKey({ merchants, now }, { merchantId })).secretKey;
};

const ensureDemoRiskRules = async (merchants: MerchantRepository, merchantId: string): Promise<void> => {
  if ((await merchants.getMerchant(merchantId))?.riskRules) return;
  await merchants.setRiskRules(merchantId, { owner: 'merchant', version: 1, ...DEMO_RISK_RULES, setAt: new Date().toISOString() }, 0);
};

export const ensureDemoMerchants = async (merchants: MerchantRepository, file: string): Promise<MerchantCredentials[]> => {
  const known = readCredentials(file);
  const result: MerchantCredentials[] = [];
  for (const demo of DEMO_MERCHANTS) {
    const previous = known.find((entry) => entry.id === demo.id);
    const principal = previous ? await authenticateMerchant({ merchants }, previous.api_key) : undefined;
    // Listed too: a key stored before keys were listed per merchant cannot be rotated, so it is replaced.
    const listed = principal && (await merchants.listApiKeys(demo.id, { limit: 100 })).keys.some((key) => key.keyId === principal.keyId);
    const stillValid = principal?.merchantId === demo.id && listed;
    if (previous && stillValid) {
      await ensureDemoRiskRules(merchants, demo.id);
      result.push(previous);
      continue;
    }
    const { merchant } = await merchants.insertMerchant({ ...demo, status: 'active', createdAt: new Date().toISOString() });
    await ensureDemoRiskRules(merchants, merchant.id);
    result.push({ id: merchant.id, name: merchant.name, api_key: await reissueOnlyKey(merchants, merchant.id) });
  }
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
  return result;
};
