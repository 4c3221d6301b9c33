import { NotHomeRegionError } from './errors';

/**
 * Each merchant's ledger is written in one region only, its home (docs/decisions/0004-ledger-multi-region.md):
 * global tables resolve concurrent writes to one item from two regions by last writer wins, which would
 * silently drop one of two balance updates. The marker is a small replicated item; while a failover
 * moves a merchant, the marker is `fenced` and no region writes its ledger.
 * A merchant with no marker lives in the primary region.
 */
export interface HomeRegionMarker {
  readonly merchantId: string;
  readonly region: string;
  /** True while the merchant is being moved: postings are refused everywhere. */
  readonly fenced: boolean;
  /**
   * Set when a move to this region has begun (docs/decisions/0024-home-region-routing-and-moves.md): the
   * merchant API refuses new money movements for the merchant in every region, while the work it already
   * accepted still posts in the home, so it can drain before the ledger is fenced.
   */
  readonly moveTo?: string;
  /** Incremented by every change, so two operators cannot overwrite each other's move. */
  readonly epoch: number;
  readonly updatedAt: string;
}

export const homeRegionOf = (marker: HomeRegionMarker | undefined, primaryRegion: string): string => marker?.region ?? primaryRegion;

/** Throws NotHomeRegionError unless this region may write the merchant's ledger now. */
export const assertWritableHere = (
  merchantId: string,
  marker: HomeRegionMarker | undefined,
  region: string,
  primaryRegion: string,
): void => {
  const home = homeRegionOf(marker, primaryRegion);
  if (marker?.fenced) throw new NotHomeRegionError(merchantId, home, region, marker.moveTo ?? home);
  if (home !== region) throw new NotHomeRegionError(merchantId, home, region);
};

/**
 * Throws NotHomeRegionError unless this region may accept a new money movement of the merchant (a payment,
 * capture, refund, conversion or payout) now: the request lands in its home and no move is under way. Checked
 * by the merchant API before anything is written, so a request in the wrong region changes nothing.
 */
export const assertAcceptsMoneyMovementsHere = (
  merchantId: string,
  marker: HomeRegionMarker | undefined,
  region: string,
  primaryRegion: string,
): void => {
  if (marker?.moveTo !== undefined) throw new NotHomeRegionError(merchantId, homeRegionOf(marker, primaryRegion), region, marker.moveTo);
  assertWritableHere(merchantId, marker, region, primaryRegion);
};
