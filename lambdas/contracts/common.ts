import * as z from 'zod/mini';

/**
 * What every route of the merchant API declares besides its path (platform/routes.ts): the schemas of what
 * it accepts and of each answer it gives. Handlers validate with exactly these schemas; the OpenAPI document
 * (lambdas/contracts/openapi.ts) is generated from them. Contract modules import zod and the domain's pure
 * constants only: no environment, no AWS, nothing that runs on import.
 */
export interface ResponseContract {
  readonly description: string;
  readonly schema: z.ZodMiniType;
  /** The answer's media type when it is not JSON (a CSV download, a SOAP acknowledgement); its schema is then `z.string()`. */
  readonly mediaType?: 'text/csv' | 'text/xml';
  /** Further media types the same answer may come in, with their schemas (a rail's acknowledgement: SOAP or JSON by rail). */
  readonly alternatives?: Readonly<Record<string, z.ZodMiniType>>;
}

export interface RouteContract {
  readonly summary: string;
  readonly description?: string;
  /** The section of the reference it belongs to (one tag per area). */
  readonly tag: string;
  /** Path parameters that are not ids (ids take their shape from the route's `params`). */
  readonly path?: Readonly<Record<string, z.ZodMiniType>>;
  /** GET: the query string, a strict object of single values (every list has `limit` and `starting_after`). */
  readonly query?: z.ZodMiniType;
  /** POST: the JSON body. */
  readonly body?: z.ZodMiniType;
  /**
   * POST, instead of `body`: a body the function reads raw, by media type, with what each holds (a payout
   * rail's SOAP notification or JSON webhook, a rail's file forwarded by the other region, verified by its
   * signature before anything in it is read).
   */
  readonly rawBody?: Readonly<Partial<Record<'text/xml' | 'application/json' | 'text/plain', string>>>;
  /** Request headers the route reads besides Authorization and Idempotency-Key (an acquirer's signature). */
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly required: boolean }>>;
  /** The successful answers by status; problem answers are the same for every route and added by the generator. */
  readonly responses: Readonly<Record<number, ResponseContract>>;
}

/** Every time the API shows: ISO 8601 in UTC with milliseconds, as `Date.toISOString()` writes it. */
export const timestamp = z.string();

export const nullableTimestamp = z.nullable(timestamp);

/** Stripe's list envelope: one page, newest first unless the route says otherwise. */
export const listOf = <Item extends z.ZodMiniType>(item: Item) =>
  z.strictObject({
    object: z.literal('list'),
    url: z.string(),
    data: z.array(item),
    has_more: z.boolean(),
  });

/** One field a request got wrong: a dotted path into the request (`payment_method.card.number`) or a header/parameter name. */
export const fieldErrorSchema = z.strictObject({ field: z.string(), message: z.string() });

/** RFC 9457 problem document: every 4xx and 5xx, from functions (shared/http/problem.ts) and from API Gateway (platform/gateway-responses.ts). */
export const problemSchema = z.strictObject({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.string(),
  errors: z.optional(z.array(fieldErrorSchema)),
  request_id: z.string(),
});

/** Money as the API shows it in a balance: one currency's amount in minor units (may be negative). */
export const currencyAmountSchema = z.strictObject({ currency: z.string(), amount: z.int() });
