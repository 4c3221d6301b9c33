import type { SanctionsEntry } from '../../domain/payouts/screening';
import type { SanctionsList } from '../../ports/sanctions-list';
import list from './sanctions-list.json' with { type: 'json' };

/** The fictional list checked in beside this file, bundled into the screening function. */
export const checkedInSanctionsList: SanctionsList = {
  version: `${list.list} ${list.version}`,
  entries: list.entries.map(
    (entry): SanctionsEntry => ({
      id: entry.id,
      name: entry.name,
      aliases: entry.aliases,
      type: entry.type === 'entity' ? 'entity' : 'individual',
      countries: entry.countries,
      programs: entry.programs,
    }),
  ),
};
