import { appliedUpdate } from '../../../bench/lib/update-expression';

/**
 * The after image the counting proxy works out for a transaction's Update (bench/lib/update-expression.ts):
 * the shapes it applies, and undefined for everything else (the proxy then reads the item, as before). That
 * the images are DynamoDB's own is checked against DynamoDB Local in test/integration/bench/capacity-proxy.test.ts.
 */
const key = { pk: { S: 'bal#mer_1#3' }, sk: { S: 'USD#30' } };
const update = (UpdateExpression: string, ExpressionAttributeValues: Record<string, unknown> = {}, ExpressionAttributeNames?: Record<string, string>) => ({
  Key: key,
  UpdateExpression,
  ExpressionAttributeValues,
  ...(ExpressionAttributeNames ? { ExpressionAttributeNames } : {}),
});

it.each<[string, Record<string, unknown> | undefined, Record<string, unknown>, Record<string, unknown> | undefined]>([
  ['ADD to a number', { ...key, pending: { N: '100' } }, update('ADD #p :pending', { ':pending': { N: '15346' } }, { '#p': 'pending' }), { ...key, pending: { N: '15446' } }],
  [
    'ADD two numbers, one absent, a negative amount',
    { ...key, pending: { N: '100' } },
    update('ADD #p :p, #a :a', { ':p': { N: '-100' }, ':a': { N: '250' } }, { '#p': 'pending', '#a': 'available' }),
    { ...key, pending: { N: '0' }, available: { N: '250' } },
  ],
  ['ADD to no item: the key and the amount', undefined, update('ADD #r :r', { ':r': { N: '7' } }, { '#r': 'reserved' }), { ...key, reserved: { N: '7' } }],
  ['ADD beyond 2^53, exactly', { ...key, n: { N: '9007199254740993' } }, update('ADD n :one', { ':one': { N: '1' } }), { ...key, n: { N: '9007199254740994' } }],
  [
    'SET, if_not_exists and REMOVE in one expression',
    { ...key, usedBy: { S: 'a' }, since: { S: 'then' }, gone: { S: 'x' } },
    update('set usedBy = :u, #s = if_not_exists(#s, :now), first = if_not_exists(first, :now) REMOVE gone', { ':u': { S: 'b' }, ':now': { S: 'now' } }, { '#s': 'since' }),
    { ...key, usedBy: { S: 'b' }, since: { S: 'then' }, first: { S: 'now' } },
  ],
  ['a clause keyword as a placeholder name', { ...key }, update('SET #add = :v', { ':v': { BOOL: true } }, { '#add': 'add' }), { ...key, add: { BOOL: true } }],
  ['ADD to a set', { ...key }, update('ADD ids :id', { ':id': { SS: ['a'] } }), undefined],
  ['ADD a decimal', { ...key, n: { N: '1' } }, update('ADD n :d', { ':d': { N: '1.5' } }), undefined],
  ['a number written otherwise than DynamoDB writes it back', { ...key }, update('SET n = :n', { ':n': { N: '007' } }), undefined],
  ['SET to a map', { ...key }, update('SET m = :m', { ':m': { M: {} } }), undefined],
  ['SET with arithmetic', { ...key, n: { N: '1' } }, update('SET n = n + :one', { ':one': { N: '1' } }), undefined],
  ['a nested path', { ...key }, update('SET a.b = :v', { ':v': { S: 'x' } }), undefined],
  ['DELETE', { ...key }, update('DELETE ids :id', { ':id': { SS: ['a'] } }), undefined],
  ['a key attribute', { ...key }, update('SET pk = :v', { ':v': { S: 'x' } }), undefined],
  ['an unknown placeholder', { ...key }, update('SET #nope = :v', { ':v': { S: 'x' } }), undefined],
])('%s', (_what, before, request, after) => {
  expect(appliedUpdate(before as never, request)).toEqual(after);
});
