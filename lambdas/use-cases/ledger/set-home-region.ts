import { type HomeRegionMarker, homeRegionOf } from '../../domain/ledger/home-region';
import type { LedgerStore } from '../../ports/ledger-store';

/**
 * Fence a merchant's ledger, or give it a (new) home region: the two steps of a planned move
 * (docs/decisions/0004-ledger-multi-region.md). Run from an operator tool in the region taking over.
 * 1. Read the marker (a merchant without one lives in the primary region).
 * 2. Write the new marker only if nobody changed it since (epoch compare-and-set).
 * Returns the marker written, or undefined if another change won: read again and decide.
 */
export const setHomeRegion = async (
  deps: { readonly ledger: LedgerStore; readonly primaryRegion: string; readonly now: () => Date },
  command: { readonly merchantId: string; readonly region?: string; readonly fenced: boolean },
): Promise<HomeRegionMarker | undefined> => {
  const current = await deps.ledger.getHomeRegion(command.merchantId);
  const marker: HomeRegionMarker = {
    merchantId: command.merchantId,
    region: command.region ?? homeRegionOf(current, deps.primaryRegion),
    fenced: command.fenced,
    epoch: (current?.epoch ?? 0) + 1,
    updatedAt: deps.now().toISOString(),
  };
  return (await deps.ledger.putHomeRegion(marker, current?.epoch ?? 0)) ? marker : undefined;
};
