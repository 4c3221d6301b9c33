import { RequestError } from '../../../lambdas/shared/http/problem';
import { MAX_BODY_DEPTH, checkedPathParameters, parseJsonBody, singleQueryParameters } from '../../../lambdas/shared/http/request';
import { apiGatewayEvent } from '../../support/api-events';

/** Reading path ids, query strings and JSON bodies from real proxy events, before any schema runs. */
const refusal = (read: () => unknown) => {
  try {
    read();
  } catch (error) {
    if (error instanceof RequestError) return error.problem;
    throw error;
  }
  throw new Error('expected a refusal');
};

const post = (body: string | null, extra: { isBase64Encoded?: boolean } = {}) => ({
  ...apiGatewayEvent({ method: 'POST', resource: '/v1/payments/{id}/cancel' }),
  body,
  ...extra,
});

describe('parseJsonBody', () => {
  it.each([
    ['no body', null],
    ['an empty body', ''],
    ['a body of whitespace', ' \r\n\t'],
  ])('takes %s as {} (Stripe does)', (_case, body) => {
    expect(parseJsonBody(post(body))).toEqual({});
  });

  it('reads a base64 body, and an empty base64 body as {}', () => {
    expect(parseJsonBody(post(Buffer.from('{"a":1}').toString('base64'), { isBase64Encoded: true }))).toEqual({ a: 1 });
    expect(parseJsonBody(post('', { isBase64Encoded: true }))).toEqual({});
  });

  it.each(['null', '[]', '42', '"text"', '{', 'amount=1'])('refuses %p as invalid_json', (body) => {
    expect(refusal(() => parseJsonBody(post(body)))).toMatchObject({ status: 400, code: 'invalid_json' });
  });

  it.each([
    ['at the top level', '{"amount": 1, "amount": 99999}', 'amount'],
    ['in a nested object', '{"payment_method": {"card": {"cvc": "123", "cvc": "999"}}}', 'payment_method.card.cvc'],
    ['inside an array', '{"list": [{"a": 1}, {"b": 1, "b": 2}]}', 'list.1.b'],
    ['spelled with an escape', '{"amount": 1, "\\u0061mount": 2}', 'amount'],
  ])('refuses a key repeated %s, naming it', (_case, body, field) => {
    expect(refusal(() => parseJsonBody(post(body)))).toMatchObject({ status: 400, code: 'invalid_json', errors: [{ field, message: 'appears more than once' }] });
  });

  it('does not confuse equal keys in sibling objects or a key with a string value', () => {
    expect(parseJsonBody(post('{"a": {"x": 1}, "b": {"x": "a"}, "c": ["a", "a"], "d": "\\"a\\""}'))).toEqual({ a: { x: 1 }, b: { x: 'a' }, c: ['a', 'a'], d: '"a"' });
  });

  it('refuses __proto__ as a key at any depth (a record schema would drop it silently), naming it', () => {
    expect(refusal(() => parseJsonBody(post('{"metadata": {"__proto__": {"polluted": "yes"}}}')))).toMatchObject({
      status: 422,
      code: 'validation_error',
      errors: [{ field: 'metadata.__proto__', message: 'is not an allowed field name' }],
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a string holding an escaped lone surrogate, naming where; a surrogate pair is text', () => {
    expect(refusal(() => parseJsonBody(post('{"metadata": {"order": "A\\ud800"}}')))).toMatchObject({
      status: 422,
      code: 'validation_error',
      errors: [{ field: 'metadata.order', message: expect.stringContaining('well-formed Unicode') }],
    });
    expect(refusal(() => parseJsonBody(post('{"list": ["ok", "\\udfff"]}')))).toMatchObject({ errors: [{ field: 'list.1' }] });
    expect(parseJsonBody(post('{"emoji": "\\ud83d\\ude00"}'))).toEqual({ emoji: '😀' });
  });

  it(`accepts ${MAX_BODY_DEPTH} levels of nesting and refuses more, however deep, without recursion`, () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
    expect(() => parseJsonBody(post(nested(MAX_BODY_DEPTH)))).not.toThrow();
    expect(refusal(() => parseJsonBody(post(nested(MAX_BODY_DEPTH + 1))))).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(refusal(() => parseJsonBody(post(`{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}`)))).toMatchObject({ status: 400, code: 'invalid_json' });
  });

  it('refuses a body over 64 KB before parsing it', () => {
    expect(refusal(() => parseJsonBody(post(`{"a":"${'x'.repeat(70_000)}"}`)))).toMatchObject({ status: 413, code: 'payload_too_large' });
  });
});

describe('checkedPathParameters', () => {
  const event = (pathParameters: Record<string, string> | undefined) => apiGatewayEvent({ method: 'GET', resource: '/v1/payments/{id}', pathParameters });

  it('returns well-shaped ids', () => {
    const id = `pay_${'b'.repeat(26)}`;
    expect(checkedPathParameters(event({ id }), { id: 'payment' })).toEqual({ id });
  });

  it.each([
    ['3,000 characters', `pay_${'a'.repeat(2996)}`],
    ['another kind of id', `re_${'a'.repeat(26)}`],
    ['upper case', `pay_${'A'.repeat(26)}`],
    ['unicode', 'pay_ñandú'],
    ['__proto__', '__proto__'],
    ['one character short', `pay_${'a'.repeat(25)}`],
  ])('refuses %s with 422 naming the parameter', (_case, id) => {
    expect(refusal(() => checkedPathParameters(event({ id }), { id: 'payment' }))).toMatchObject({
      status: 422,
      code: 'validation_error',
      errors: [{ field: 'id', message: expect.stringContaining('"pay_" and 26 characters') }],
    });
  });

  it('names every bad parameter of a route with two', () => {
    const problem = refusal(() => checkedPathParameters(event({ id: 'mer_x', key_id: 'key_x' }), { id: 'merchant', key_id: 'api_key' }));
    expect(problem.errors?.map((error) => error.field)).toEqual(['id', 'key_id']);
  });

  it('fails loudly (a wiring mistake, not bad input) when a route has a path parameter it declares no shape for', () => {
    expect(() => checkedPathParameters(event({ id: 'anything' }), undefined)).toThrow(/without a declared id shape: id/);
  });
});

describe('singleQueryParameters', () => {
  it('refuses a parameter given twice rather than picking one value', () => {
    const event = { ...apiGatewayEvent({ method: 'GET', resource: '/v1/payments', query: { limit: '100' } }), multiValueQueryStringParameters: { limit: ['1', '100'] } };
    expect(refusal(() => singleQueryParameters(event))).toMatchObject({ status: 422, errors: [{ field: 'limit', message: 'is given more than once' }] });
  });

  it('returns single values and {} for no query', () => {
    expect(singleQueryParameters(apiGatewayEvent({ method: 'GET', resource: '/v1/payments', query: { limit: '5' } }))).toEqual({ limit: '5' });
    expect(singleQueryParameters(apiGatewayEvent({ method: 'GET', resource: '/v1/payments' }))).toEqual({});
  });
});
