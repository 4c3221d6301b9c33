import type { SanctionsEntry } from '../domain/payouts/screening';

/**
 * The sanctions list payouts are screened against. Locally a checked-in fictional list
 * (adapters/screening/checked-in-sanctions-list.ts); in production a licensed consolidated list, refreshed
 * daily, behind the same interface. `version` is recorded with every screening.
 */
export interface SanctionsList {
  readonly version: string;
  readonly entries: readonly SanctionsEntry[];
}
