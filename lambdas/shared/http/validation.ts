import type * as z from 'zod/mini';
import { type FieldError, RequestError, problem } from './problem';

/**
 * zod issues → `errors: [{field, message}]`, with the field as a dotted path a merchant can find in its
 * own request (`payment_method.card.number`). Missing fields say "is required"; unknown fields are named.
 */
const valueAt = (data: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined),
    data,
  );

const dotted = (path: readonly PropertyKey[]): string => path.map(String).join('.');

export const fieldErrors = (error: z.core.$ZodError, data: unknown): FieldError[] => {
  const errors = error.issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: dotted([...issue.path, key]), message: 'is not a recognized field' }));
    }
    // An enum field (a currency) reports a missing value as invalid_value, a typed one as invalid_type.
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && valueAt(data, issue.path) === undefined) {
      return [{ field: dotted(issue.path), message: 'is required' }];
    }
    return [{ field: dotted(issue.path), message: issue.message }];
  });
  // Several checks of one field can fail with the same message (1e21 is neither a safe integer nor under the maximum): say it once.
  const seen = new Set<string>();
  return errors.filter((entry) => {
    const key = `${entry.field}\u0000${entry.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/** Parse or refuse with 422 `validation_error`; `where` prefixes fields from a non-body location. */
export const parseOrRefuse = <Schema extends z.ZodMiniType>(schema: Schema, data: unknown): z.infer<Schema> => {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new RequestError(
    problem(422, 'validation_error', 'The request has invalid parameters.', { errors: fieldErrors(parsed.error, data) }),
  );
};
