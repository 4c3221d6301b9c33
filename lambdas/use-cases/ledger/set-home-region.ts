import { type HomeRegionMarker, homeRegionOf } from '../../domain/ledger/home-region';
import type { LedgerStore } from '../../ports/ledger-store';

/**
 * Change a merchant's home-region marker: begin a move, fence its ledger, or give it a (new) home region, the
 * steps of a planned move (docs/decisions/0004-ledger-multi-region.md, 0024-home-region-routing-and-moves.md).
 * Run by the home-move workflow (or a test) in the region taking over.
 * 1. Read the marker (a merchant without one lives in the primary region).
 * 2. With `expectedEpoch`, go on only if the marker is still at that epoch (the step before in the same move).
 * 3. Write the new marker only if nobody changed it since the read (epoch compare-and-set).
 * Returns the marker written, or undefined if another change won: read again and decide.
 */
export const setHomeRegion = async (
  deps: { readonly ledger: Pick<LedgerStore, 'getHomeRegion' | 'putHomeRegion'>; readonly primaryRegion: string; readonly now: () => Date },
  command: {
    readonly merchantId: string;
    readonly region?: string;
    readonly fenced: boolean;
    /** The region a move is taking the merchant to; absent: no move under way. */
    readonly moveTo?: string;
    readonly expectedEpoch?: number;
  },
): Promise<HomeRegionMarker | undefined> => {
  const current = await deps.ledger.getHomeRegion(command.merchantId);
  const epoch = current?.epoch ?? 0;
  if (command.expectedEpoch !== undefined && command.expectedEpoch !== epoch) return undefined;
  const marker: HomeRegionMarker = {
    merchantId: command.merchantId,
    region: command.region ?? homeRegionOf(current, deps.primaryRegion),
    fenced: command.fenced,
    ...(command.moveTo !== undefined ? { moveTo: command.moveTo } : {}),
    epoch: epoch + 1,
    updatedAt: deps.now().toISOString(),
  };
  return (await deps.ledger.putHomeRegion(marker, epoch)) ? marker : undefined;
};
