import { InvalidCursorError } from '../domain/errors';
import type { ListPosition, ListWindow } from '../domain/list-window';

/**
 * What a merchant asks of any list (docs/api.md, "Lists"): `limit`, at most one cursor (`starting_after` or
 * `ending_before`, ids of objects of this list), and inclusive `created` bounds in epoch milliseconds.
 */
export interface ListRequest {
  readonly merchantId: string;
  readonly limit: number;
  readonly startingAfter?: string;
  readonly endingBefore?: string;
  readonly createdFromMs?: number;
  readonly createdToMs?: number;
}

/** An object of the list, found by a cursor's id, with the merchant it belongs to. */
export type OwnedPosition = ListPosition & { readonly merchantId: string };

/**
 * The list window of a request: each cursor resolved to one of the merchant's objects of this list (another
 * merchant's id is as unknown as a made-up one: InvalidCursorError naming the parameter). Every list use case
 * starts here.
 */
export const resolveListWindow = async (request: ListRequest, find: (id: string) => Promise<OwnedPosition | undefined>): Promise<ListWindow> => {
  const cursor = async (field: 'starting_after' | 'ending_before', id: string | undefined): Promise<ListPosition | undefined> => {
    if (id === undefined) return undefined;
    const found = await find(id);
    if (!found || found.merchantId !== request.merchantId) throw new InvalidCursorError(field, id);
    return { createdAt: found.createdAt, id: found.id };
  };
  const after = await cursor('starting_after', request.startingAfter);
  const before = await cursor('ending_before', request.endingBefore);
  return {
    limit: request.limit,
    ...(after ? { after } : {}),
    ...(before ? { before } : {}),
    ...(request.createdFromMs === undefined ? {} : { createdFromMs: request.createdFromMs }),
    ...(request.createdToMs === undefined ? {} : { createdToMs: request.createdToMs }),
  };
};
