import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type Execute, answerKeyed } from '../../../lambdas/shared/http/keyed-idempotency';

/**
 * answerKeyed against a store that behaves as Powertools' idempotency does for the endpoint: a live record under the
 * key answers its stored response when the payload's hash matches and IdempotencyValidationError when not; without
 * one the function runs and its answer is stored (not when it throws).
 */
class ValidationError extends Error {
  override readonly name = 'IdempotencyValidationError';
}

const hashOf = (request: unknown) => createHash('sha256').update(JSON.stringify(request)).digest('base64');

const store = () => {
  const records = new Map<string, { hash: string; response: APIGatewayProxyResult }>();
  const calls: unknown[] = [];
  /** Called after each validation failure: a test lapses the record there. */
  let onRefusal = (_key: string) => {};
  const execute: Execute = async ({ key, request }, run) => {
    calls.push(request);
    const record = records.get(key);
    if (record) {
      if (record.hash !== hashOf(request)) {
        onRefusal(key);
        throw new ValidationError('Payload does not match stored record for this event key');
      }
      return { ...record.response, headers: { ...record.response.headers, 'Idempotent-Replayed': 'true' } };
    }
    const response = await run();
    records.set(key, { hash: hashOf(request), response });
    return response;
  };
  return { records, calls, execute, lapseOnRefusal: () => (onRefusal = (key) => records.delete(key)) };
};

const view = { method: 'POST', resource: '/v1/payments', body: { amount: 1999, payment_method: { card: { last4: '4242' } } } };
const keyedAs = (fingerprint: string) => ({ ...view, keyed_fingerprint: fingerprint });
const answer = (id: string) => async (): Promise<APIGatewayProxyResult> => ({ statusCode: 201, headers: {}, body: JSON.stringify({ id }) });

describe('answerKeyed', () => {
  it('refuses another secret under a record written with the keyed payload, and replays the same one', async () => {
    // Prepare
    const { execute, records } = store();
    await answerKeyed(execute, 'k', keyedAs('v1.first'), view, answer('pay_1'));
    // Act / Assess
    await expect(answerKeyed(execute, 'k', keyedAs('v1.other'), view, answer('pay_2'))).rejects.toMatchObject({ name: 'IdempotencyValidationError' });
    await expect(answerKeyed(execute, 'k', keyedAs('v1.first'), view, answer('pay_3'))).resolves.toMatchObject({ body: '{"id":"pay_1"}', headers: { 'Idempotent-Replayed': 'true' } });
    expect(records.get('k')?.hash).toBe(hashOf(keyedAs('v1.first')));
  });

  it('replays a record written before the keyed fingerprint (its hash of the view alone) and stores nothing new', async () => {
    const { execute, records } = store();
    records.set('k', { hash: hashOf(view), response: { statusCode: 201, headers: {}, body: '{"id":"pay_before"}' } });
    const retried = await answerKeyed(execute, 'k', keyedAs('v1.first'), view, answer('pay_again'));
    expect(retried).toMatchObject({ body: '{"id":"pay_before"}', headers: { 'Idempotent-Replayed': 'true' } });
    expect(records.get('k')?.hash).toBe(hashOf(view));
  });

  it('runs the request as new, under the keyed payload, when the record lapses between the two look-ups', async () => {
    const { execute, records, calls, lapseOnRefusal } = store();
    records.set('k', { hash: hashOf({ ...view, body: { amount: 5 } }), response: { statusCode: 201, headers: {}, body: '{"id":"pay_old"}' } });
    lapseOnRefusal();
    const answered = await answerKeyed(execute, 'k', keyedAs('v1.first'), view, answer('pay_new'));
    expect(answered).toEqual({ statusCode: 201, headers: {}, body: '{"id":"pay_new"}' });
    expect(records.get('k')?.hash).toBe(hashOf(keyedAs('v1.first')));
    expect(calls).toEqual([keyedAs('v1.first'), view, keyedAs('v1.first')]);
  });

  it('passes any other failure through without a second look-up', async () => {
    const { execute, calls } = store();
    const failing = async (): Promise<APIGatewayProxyResult> => {
      throw Object.assign(new Error('in progress'), { name: 'IdempotencyAlreadyInProgressError' });
    };
    await expect(answerKeyed(execute, 'k', keyedAs('v1.first'), view, failing)).rejects.toMatchObject({ name: 'IdempotencyAlreadyInProgressError' });
    expect(calls).toHaveLength(1);
  });
});
