import * as z from 'zod/mini';
import { cardChannels } from '../../platform/channels';
import type { AcquirerFees } from '../domain/reconciliation/matching';

export const contractFeesOf = (channel: string): AcquirerFees => {
  const contract = (cardChannels as Record<string, { fees: AcquirerFees } | undefined>)[channel];
  if (!contract) throw new RangeError(`No contract with channel '${channel}'`);
  return contract.fees;
};

/** Parts of the reconciliation workflow's task inputs (statemachines/settlement-reconciliation.asl.json). */
const channel = z.enum(Object.keys(cardChannels) as [string, ...string[]]);
const file = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.csv$/));
const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const batchId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));
const lineIndex = z.int().check(z.minimum(0));

export const ingestTaskInput = z.object({ channel, file });
export const chunkTaskInput = z.object({ channel, file, sha256, batchId, from: lineIndex, to: lineIndex });
export const completeTaskInput = z.object({
  channel,
  file,
  sha256,
  batchId,
  chunks: z.array(z.object({ lines: lineIndex, settled: lineIndex, alreadySettled: lineIndex, breaks: lineIndex })),
});

/** Parts of the bank statement workflow's task inputs (statemachines/bank-statement-reconciliation.asl.json). */
const statementFile = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.xml$/));

export const statementIngestTaskInput = z.object({ file: statementFile });
export const statementReconcileTaskInput = z.object({ file: statementFile, sha256 });
