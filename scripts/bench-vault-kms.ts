import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMS } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DATA_KEY_CACHE_POLICY, KmsEnvelopeCipher } from '../lambdas/adapters/crypto/envelope-cipher';
import { KmsFingerprinter } from '../lambdas/adapters/crypto/fingerprinter';
import { parseKmsKeyArn } from '../lambdas/adapters/crypto/key-arn';
import { DynamoDbCardHolds } from '../lambdas/adapters/dynamodb/card-holds';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { startLocalKms } from '../local/kms/server';
import { ensureTables } from '../local/tables';
import { deployment } from '../platform/deployment';
import { tableName } from '../platform/tables';

/**
 * KMS requests per payment for the envelope encryption of cards (card holds, docs/decisions/0014), measured
 * against DynamoDB Local and the local KMS over HTTP.
 *
 *   npx tsx scripts/bench-vault-kms.ts [--payments 1000] [--merchants 10] [--writers 4] [--readers 2] [--no-cache]
 *
 * `writers` simulates warm instances of the POST /v1/payments function (each holds a card: one encryption,
 * one payment at a time, with its own data key cache and fingerprint key); `readers` simulates instances
 * of the authorizing function (reveal the hold: one decryption, then discard it). Payments go round-robin to instances and to a
 * pseudo-random merchant (a hash of the index, so every instance sees every merchant). Prints KMS requests per operation and per payment; timings are informational only.
 */
const { values } = parseArgs({
  options: {
    payments: { type: 'string', default: '1000' },
    merchants: { type: 'string', default: '10' },
    writers: { type: 'string', default: '4' },
    readers: { type: 'string', default: '2' },
    'no-cache': { type: 'boolean', default: false },
  },
});
const payments = Number(values.payments);
const merchants = Number(values.merchants);
const writers = Number(values.writers);
const readers = Number(values.readers);
// Without caching: every message gets its own data key (the SDK's default materials manager behaviour).
const cache = values['no-cache'] ? { ...DATA_KEY_CACHE_POLICY, maxMessagesEncrypted: 1 } : DATA_KEY_CACHE_POLICY;

const stateDir = mkdtempSync(join(tmpdir(), 'xborder-bench-kms-'));
const dynamoDb = await startDynamoDbLocal({ sharedDb: false });
const kms = await startLocalKms({ stateDir });
try {
  Object.assign(process.env, { AWS_REGION: deployment.primaryRegion, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' });
  const dynamo = new DynamoDBClient({ endpoint: dynamoDb.endpoint });
  await ensureTables(dynamo, ['cardHolds']);
  const documentClient = DynamoDBDocumentClient.from(dynamo);
  const dataKey = parseKmsKeyArn(kms.keyArn('data'));
  const fingerprintKey = parseKmsKeyArn(kms.keyArn('fingerprint'));

  /** One function instance: its own KMS client, data key cache and fingerprint key, as in Lambda. */
  const instance = () => {
    const client = new KMS({ region: dataKey.region, endpoint: kms.url });
    return new DynamoDbCardHolds({
      client: documentClient,
      tableName: tableName('cardHolds'),
      cipher: new KmsEnvelopeCipher({ key: dataKey, client, cache }),
      fingerprints: new KmsFingerprinter({ key: fingerprintKey, client }),
    });
  };

  const work = Array.from({ length: payments }, (_, index) => ({
    merchantId: `mer_bench_${createHash('sha256').update(String(index)).digest().readUInt32BE(0) % merchants}`,
    paymentId: `pay_bench_${index}`,
    card: { number: index % 2 ? '4242424242424242' : '5555555555554444', exp_month: 12, exp_year: 2030, cvc: '123' },
  }));
  const runInstances = async (count: number, step: (holds: DynamoDbCardHolds, item: (typeof work)[number]) => Promise<void>) => {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: count }, async (_, slot) => {
        const holds = instance();
        for (let index = slot; index < work.length; index += count) await step(holds, work[index] as (typeof work)[number]);
      }),
    );
    return performance.now() - started;
  };

  const createMs = await runInstances(writers, async (holds, item) => {
    await holds.hold({ merchantId: item.merchantId, paymentId: item.paymentId, card: item.card });
  });
  const afterCreate = { ...kms.requestCounts };
  kms.resetCounts();
  const authorizeMs = await runInstances(readers, async (holds, item) => {
    if ((await holds.reveal(item.paymentId, item.merchantId))?.cvc !== '123') throw new Error('card hold lost');
    await holds.discard(item.paymentId, item.merchantId);
  });
  const afterAuthorize = { ...kms.requestCounts };

  const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
  const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
  console.log(
    JSON.stringify(
      {
        payments,
        merchants,
        writerInstances: writers,
        readerInstances: readers,
        cache: values['no-cache'] ? 'off (one data key per message)' : cache,
        create: {
          kmsRequests: nonZero(afterCreate),
          kmsRequestsPerPayment: Number((total(afterCreate) / payments).toFixed(4)),
          paymentsPerSecond: Math.round((payments / createMs) * 1000),
        },
        authorize: {
          kmsRequests: nonZero(afterAuthorize),
          kmsRequestsPerPayment: Number((total(afterAuthorize) / payments).toFixed(4)),
          paymentsPerSecond: Math.round((payments / authorizeMs) * 1000),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await kms.stop();
  await dynamoDb.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
