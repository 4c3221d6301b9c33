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
  if (marker?.fenced) throw new NotHomeRegionError(merchantId, `${home} (fenced for a move)`, region);
  if (home !== region) throw new NotHomeRegionError(merchantId, home, region);
};
