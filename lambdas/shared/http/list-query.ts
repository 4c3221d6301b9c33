import type { ListRequest } from '../../use-cases/list-window';

/**
 * A validated list query (contracts/fields.ts `listQuerySchema`, `createdListQuerySchema`) as the list use
 * cases take it. `created[...]` bounds are Unix seconds or ISO 8601 times; they become one inclusive range in
 * epoch milliseconds, the tightest of those given. A bound in seconds means what Stripe's does, whose times
 * are whole seconds: `lte=S` keeps everything created during second S, `gt=S` starts at the next second. An
 * ISO time is taken to the millisecond (`gt` and `lt` then one millisecond inside).
 */
export interface ListQuery {
  readonly limit: number;
  readonly starting_after?: string;
  readonly ending_before?: string;
  readonly 'created[gte]'?: string;
  readonly 'created[gt]'?: string;
  readonly 'created[lte]'?: string;
  readonly 'created[lt]'?: string;
}

/** A bound's value as the span of milliseconds it names: a whole second, or one millisecond. */
const spanOf = (value: string | undefined): { first: number; last: number } | undefined => {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return { first: Number(value) * 1000, last: Number(value) * 1000 + 999 };
  const ms = Date.parse(value);
  return { first: ms, last: ms };
};

const tightest = (values: readonly (number | undefined)[], pick: (...values: number[]) => number): number | undefined => {
  const given = values.filter((value): value is number => value !== undefined);
  return given.length ? pick(...given) : undefined;
};

export const listRequestOf = (merchantId: string, query: ListQuery): ListRequest => {
  const gte = spanOf(query['created[gte]']);
  const gt = spanOf(query['created[gt]']);
  const lte = spanOf(query['created[lte]']);
  const lt = spanOf(query['created[lt]']);
  const createdFromMs = tightest([gte?.first, gt && gt.last + 1], Math.max);
  const createdToMs = tightest([lte?.last, lt && lt.first - 1], Math.min);
  return {
    merchantId,
    limit: query.limit,
    ...(query.starting_after === undefined ? {} : { startingAfter: query.starting_after }),
    ...(query.ending_before === undefined ? {} : { endingBefore: query.ending_before }),
    ...(createdFromMs === undefined ? {} : { createdFromMs }),
    ...(createdToMs === undefined ? {} : { createdToMs }),
  };
};
