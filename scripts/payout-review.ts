import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbPayoutRepository } from '../lambdas/adapters/dynamodb/payout-repository';
import { StepFunctionsTaskCompletion } from '../lambdas/adapters/sfn/step-functions-tasks';
import { presentPayout } from '../lambdas/shared/http/treasury-presenters';
import { decidePayoutReview } from '../lambdas/use-cases/payouts/decide-payout-review';
import { deployment } from '../platform/deployment';
import { tableName } from '../platform/tables';

/**
 * `npm run payouts:review -- <po_id> approve|reject [--operator NAME] [--note TEXT]`: an operator's
 * decision on a payout held for review, against the local runtime (its DynamoDB and Step Functions
 * endpoints from <state-dir>/runtime.json), until the operator API exists. `--show` prints the payout and
 * what screening matched without deciding. Exit 0 when decided, 1 when refused (not in review...), 2 on error.
 *   --state-dir DIR   default .local
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    operator: { type: 'string', default: process.env.USER ? `local:${process.env.USER}` : 'local:operator' },
    note: { type: 'string' },
    show: { type: 'boolean', default: false },
    'state-dir': { type: 'string', default: process.env.XBORDER_STATE_DIR ?? '.local' },
  },
});

const main = async (): Promise<number> => {
  const [payoutId, decision] = positionals;
  if (!payoutId || (!values.show && decision !== 'approve' && decision !== 'reject')) {
    console.error('usage: npm run payouts:review -- <po_id> approve|reject [--operator NAME] [--note TEXT] | <po_id> --show');
    return 2;
  }
  const runtimeFile = resolve(values['state-dir'], 'runtime.json');
  if (!existsSync(runtimeFile)) {
    console.error(`No local runtime: ${runtimeFile} is missing (start it with npm start)`);
    return 2;
  }
  const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8')) as { dynamoDbEndpoint: string; sfnEndpoint: string };
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const region = deployment.primaryRegion;
  const dynamoDb = new DynamoDBClient({ region, endpoint: runtime.dynamoDbEndpoint, credentials });
  const sfn = new SFNClient({ region, endpoint: runtime.sfnEndpoint, credentials });
  try {
    const payouts = new DynamoDbPayoutRepository(DynamoDBDocumentClient.from(dynamoDb, { marshallOptions: { removeUndefinedValues: true } }), tableName('payouts'));
    if (values.show) {
      const payout = await payouts.getPayout(payoutId, { consistent: true });
      if (!payout) {
        console.error(`No such payout: ${payoutId}`);
        return 1;
      }
      console.log(JSON.stringify({ payout: presentPayout(payout), review: payout.review }, null, 2));
      return 0;
    }
    const payout = await decidePayoutReview({ payouts, tasks: new StepFunctionsTaskCompletion(sfn), now: () => new Date() }, payoutId, decision as 'approve' | 'reject', values.operator, values.note ?? null);
    console.log(JSON.stringify({ payout: presentPayout(payout), review: payout.review }, null, 2));
    return 0;
  } catch (error) {
    const name = (error as Error).name;
    console.error(`${name}: ${(error as Error).message}`);
    return name === 'PayoutTransitionError' || name === 'ResourceNotFoundError' ? 1 : 2;
  } finally {
    dynamoDb.destroy();
    sfn.destroy();
  }
};

main().then((code) => process.exit(code));
