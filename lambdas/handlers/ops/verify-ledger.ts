import * as z from 'zod/mini';
import { LedgerScanDeadlineError, verifyLedger } from '../../adapters/dynamodb/ledger-verifier';
import { dynamoDbDocumentClient } from '../../shared/clients';
import { tableNameFromEnv, awsRegion } from '../../shared/config';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';

/**
 * Operator API: GET /v1/ledger/verification (ops_viewer): the ledger verifier of `npm run ledger:verify`
 * (adapters/dynamodb/ledger-verifier.ts) on this region's ledger table: every transaction balances per
 * currency, and balance items, positions and statement lines match the journal. 200 either way: `ok` says
 * which, `differences` lists each one. A scan is no snapshot: a difference seen while money moves may be a
 * posting half read; trust one that persists on a second run (docs/ledger.md, "Verifying"). It scans the
 * whole table, so a ledger too large to read within the API's 29 s answers `complete: false` (and `ok`
 * null): verify it with `npm run ledger:verify --aws`, which has no time limit.
 */
const SCAN_BUDGET_MS = 20_000;
const ledgerTable = tableNameFromEnv('ledger');
const client = dynamoDbDocumentClient();

export const handler = operatorQueryEndpoint({
  operation: 'opsVerifyLedger',
  query: z.strictObject({}),
  handle: async () => {
    const base = { object: 'ledger_verification' as const, region: awsRegion(), checked_at: new Date().toISOString() };
    try {
      const report = await verifyLedger(client, ledgerTable, { deadline: Date.now() + SCAN_BUDGET_MS });
      return {
        status: 200,
        body: {
          ...base,
          complete: true,
          ok: report.differences.length === 0,
          transactions: report.transactions,
          accounts: report.accounts,
          positions: report.positions,
          lines: report.lines,
          differences: report.differences.map((difference) => ({ kind: difference.kind, subject: difference.subject, detail: difference.detail })),
        },
      };
    } catch (error) {
      if (!(error instanceof LedgerScanDeadlineError)) throw error;
      return {
        status: 200,
        body: {
          ...base,
          complete: false,
          ok: null,
          items_read: error.itemsRead,
          detail: `The ledger did not scan within ${SCAN_BUDGET_MS / 1000} s; run \`npm run ledger:verify -- --aws\` (no time limit).`,
        },
      };
    }
  },
});
