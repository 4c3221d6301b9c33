import { deployment } from '../../platform/deployment';
import { assertAcceptsMoneyMovementsHere, assertWritableHere } from '../domain/ledger/home-region';
import type { LedgerStore } from '../ports/ledger-store';
import type { MerchantHomes } from '../use-cases/payouts/apply-rail-events';
import { awsRegion } from '../shared/config';
import { ledgerStore } from './ledger';

/**
 * The home-region checks of functions that do not post but must not start a money movement outside the
 * merchant's home (docs/decisions/0024-home-region-routing-and-moves.md): the merchant API's POSTs that create
 * one, and the workflow step that captures at the channel. One strongly consistent GetItem of the marker (one
 * of its copies) per check, no cache: a fence must take effect at once. The function needs GetItem on `ledger`.
 */
let check: { readonly ledger: LedgerStore; readonly region: string } | undefined;

const deps = () => {
  if (!check) {
    check = { ledger: ledgerStore(), region: awsRegion() };
  }
  return check;
};

/** Throws NotHomeRegionError unless a new money movement of the merchant may start here now (no move under way). */
export const assertMerchantAcceptsMoneyMovementsHere = async (merchantId: string): Promise<void> => {
  const { ledger, region } = deps();
  assertAcceptsMoneyMovementsHere(merchantId, await ledger.getHomeRegion(merchantId), region, deployment.primaryRegion);
};

/** Throws NotHomeRegionError unless the merchant's ledger may be written here now (as a posting would check). */
export const assertMerchantLedgerWritableHere = async (merchantId: string): Promise<void> => {
  const { ledger, region } = deps();
  assertWritableHere(merchantId, await ledger.getHomeRegion(merchantId), region, deployment.primaryRegion);
};

/**
 * Where merchants' ledgers are written, as the checks above read it (one strongly consistent GetItem of the
 * marker per merchant asked about), for a use case that sorts work by home region (applyRailEvents, decision 0049).
 */
export const merchantHomes = (): MerchantHomes => {
  const { ledger, region } = deps();
  return { ledger, region, primaryRegion: deployment.primaryRegion };
};
