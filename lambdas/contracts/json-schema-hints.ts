import type * as z from 'zod/mini';

/**
 * JSON Schema keywords a zod check cannot produce by itself (a record's `maxProperties`, `integer` for a
 * number coerced from a query string), attached to the schema whose refinement enforces them. The OpenAPI
 * generator merges them into that schema's JSON Schema; a key set to undefined removes the keyword. Kept in
 * a WeakMap rather than a zod registry so schemas stay plain values and nothing global is written.
 */
const hints = new WeakMap<object, Readonly<Record<string, unknown>>>();

export const jsonSchemaHint = <Schema extends z.ZodMiniType>(schema: Schema, keywords: Readonly<Record<string, unknown>>): Schema => {
  hints.set(schema, { ...hints.get(schema), ...keywords });
  return schema;
};

export const jsonSchemaHintOf = (schema: object): Readonly<Record<string, unknown>> | undefined => hints.get(schema);
