import { queriedPartition, requiresAbsence } from '../../../bench/lib/capacity-metering';
import type { TableSchema } from '../../../bench/lib/capacity-units';

/**
 * The partition a Query reads (bench/lib/capacity-metering.ts): the equality on the partition key of the
 * table or of the index it names, however the key condition is written.
 */
const payments: TableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [{ name: 'merchant-objects', partitionKey: 'merchant_type', sortKey: 'created_key', projection: 'KEYS_ONLY' }],
};

it.each<[string, Record<string, unknown>, string | null]>([
  ['the table, a plain name', { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': { S: 'bal#mer_1' }, ':prefix': { S: 'a' } } }, 'bal#mer_1'],
  ['the table, a name placeholder, the value first', { KeyConditionExpression: ':v = #p', ExpressionAttributeNames: { '#p': 'pk' }, ExpressionAttributeValues: { ':v': { S: 'chain#mer_1#us-east-1#3' } } }, 'chain#mer_1#us-east-1#3'],
  [
    'an index, with a BETWEEN on its sort key',
    {
      IndexName: 'merchant-objects',
      KeyConditionExpression: '(#t = :t) and created_key BETWEEN :a AND :b',
      ExpressionAttributeNames: { '#t': 'merchant_type' },
      ExpressionAttributeValues: { ':t': { S: 'mer_1#payment#2' }, ':a': { S: '1' }, ':b': { S: '2' } },
    },
    'mer_1#payment#2',
  ],
  ['an index queried by the table’s key name: none of its own', { IndexName: 'merchant-objects', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'x' } } }, null],
  ['legacy KeyConditions', { KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ N: '7' }] } } }, '7'],
  ['an unknown index', { IndexName: 'nope', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'x' } } }, null],
])('%s', (_what, body, partition) => {
  expect(queriedPartition(body, payments)).toBe(partition);
});

/** A write that can succeed only where there is no item: its before image is known to be none once it commits. */
it.each<[string, Record<string, unknown>, boolean]>([
  ['attribute_not_exists on the partition key', { ConditionExpression: 'attribute_not_exists(pk)' }, true],
  ['on the sort key, through a name placeholder, spaced', { ConditionExpression: ' attribute_not_exists ( #s ) ', ExpressionAttributeNames: { '#s': 'sk' } }, true],
  ['on another attribute', { ConditionExpression: 'attribute_not_exists(merchant_type)' }, false],
  ['with another clause', { ConditionExpression: 'attribute_not_exists(pk) OR #v < :v', ExpressionAttributeNames: { '#v': 'version' } }, false],
  ['attribute_exists', { ConditionExpression: 'attribute_exists(pk)' }, false],
  ['no condition', {}, false],
])('requiresAbsence: %s', (_what, request, expected) => {
  expect(requiresAbsence(request, payments)).toBe(expected);
});
