import * as z from 'zod/mini';
import { RequestError } from '../../../lambdas/shared/http/problem';
import { amountSchema, currencySchema, limitSchema, metadataSchema } from '../../../lambdas/shared/http/schemas';
import { parseOrRefuse } from '../../../lambdas/shared/http/validation';

const refusal = (schema: z.ZodMiniType, data: unknown) => {
  try {
    parseOrRefuse(schema, data);
  } catch (error) {
    if (error instanceof RequestError) return error.problem;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('parseOrRefuse', () => {
  const schema = z.strictObject({ amount: amountSchema, nested: z.strictObject({ currency: currencySchema }) });

  it('names missing fields as required, with their dotted path', () => {
    const problem = refusal(schema, { nested: {} });
    expect(problem).toMatchObject({ status: 422, code: 'validation_error' });
    expect(problem.errors).toEqual([
      { field: 'amount', message: 'is required' },
      { field: 'nested.currency', message: 'is required' },
    ]);
  });

  it('names each unknown field', () => {
    const problem = refusal(schema, { amount: 1, nested: { currency: 'USD', extra: 1 }, other: true });
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'nested.extra', message: 'is not a recognized field' },
        { field: 'other', message: 'is not a recognized field' },
      ]),
    );
  });

  it.each([0, -5, 1.5, '100', null, 100_000_000_000, 1e21])('refuses amount %p naming the field', (amount) => {
    const problem = refusal(schema, { amount, nested: { currency: 'USD' } });
    expect(problem.errors).toEqual([{ field: 'amount', message: expect.stringContaining('positive integer') }]);
  });

  it.each(['usd', 'XXX', 'XAU', 'DOLLAR', 5])('refuses currency %p', (currency) => {
    const problem = refusal(schema, { amount: 1, nested: { currency } });
    expect(problem.errors).toEqual([{ field: 'nested.currency', message: expect.stringContaining('ISO 4217') }]);
  });
});

describe('shared schemas', () => {
  it('metadata: up to 20 string pairs with bounded keys and values', () => {
    const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`k${index}`, 'v']));
    expect(metadataSchema.safeParse(twenty).success).toBe(true);
    expect(metadataSchema.safeParse({ ...twenty, k20: 'v' }).success).toBe(false);
    expect(metadataSchema.safeParse({ k: 1 }).success).toBe(false);
    expect(metadataSchema.safeParse({ ['k'.repeat(41)]: 'v' }).success).toBe(false);
    expect(metadataSchema.safeParse({ k: 'v'.repeat(501) }).success).toBe(false);
  });

  it.each([
    ['1', 1],
    ['100', 100],
  ])('limit %p parses to %p', (raw, value) => {
    expect(limitSchema.safeParse(raw)).toMatchObject({ success: true, data: value });
  });

  it.each(['0', '101', '1.5', 'abc', ''])('limit %p is refused', (raw) => {
    expect(limitSchema.safeParse(raw).success).toBe(false);
  });
});
