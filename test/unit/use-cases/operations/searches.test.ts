import { InvalidCursorError } from '../../../../lambdas/domain/errors';
import { SEARCH_READ_LIMIT, collectMatching } from '../../../../lambdas/use-cases/operations/filtered-list';

/** Operators' searches over lists whose index has no key for the filter (payments and payouts by status). */
interface Item {
  readonly id: number;
  readonly status: 'a' | 'b';
}

/** A list of `count` items, newest first, every `every`-th one of status b; records the page sizes asked for. */
const listOf = (count: number, every: number) => {
  const items: Item[] = Array.from({ length: count }, (_, index) => ({ id: count - index, status: (index + 1) % every === 0 ? 'b' : 'a' }));
  const asked: number[] = [];
  const page = async (after: Item | undefined, size: number) => {
    asked.push(size);
    const start = after ? items.findIndex((item) => item.id === after.id) + 1 : 0;
    return { items: items.slice(start, start + size), hasMore: start + size < items.length };
  };
  return { items, asked, page };
};

describe('collectMatching', () => {
  it('without a filter reads one page of the size asked', async () => {
    const list = listOf(30, 1);

    const found = await collectMatching({ page: list.page, matches: () => true, limit: 10, filtered: false });

    expect(found.items.map((item) => item.id)).toEqual([30, 29, 28, 27, 26, 25, 24, 23, 22, 21]);
    expect(found).toMatchObject({ hasMore: true, lastRead: { id: 21 } });
    expect(list.asked).toEqual([10]);
  });

  it('with a filter reads pages until it has `limit` matches, and says where it stopped', async () => {
    const list = listOf(1_000, 7); // every 7th is b

    const found = await collectMatching({ page: list.page, matches: (item) => item.status === 'b', limit: 20, filtered: true });

    expect(found.items).toHaveLength(20);
    expect(found.items.every((item) => item.status === 'b')).toBe(true);
    expect(found.lastRead).toEqual(found.items.at(-1)); // the 20th match is the 140th read
    expect(found.hasMore).toBe(true);
    expect(list.asked).toEqual([100, 100]);
  });

  it('continues after the cursor and ends with the list', async () => {
    const list = listOf(250, 2);

    const found = await collectMatching({ page: list.page, matches: (item) => item.status === 'b', limit: 100, after: { id: 50, status: 'b' }, filtered: true });

    expect(found.items.map((item) => item.id)).toEqual(list.items.filter((item) => item.id < 50 && item.status === 'b').map((item) => item.id));
    expect(found).toMatchObject({ hasMore: false, lastRead: { id: 1 } });
  });

  it(`stops after reading ${SEARCH_READ_LIMIT} items, matched or not, with the last read as the cursor`, async () => {
    const list = listOf(2_000, 400); // the 400th read matches, the 800th is out of reach

    const found = await collectMatching({ page: list.page, matches: (item) => item.status === 'b', limit: 10, filtered: true });

    expect(found.items.map((item) => item.id)).toEqual([1_601]);
    expect(found).toMatchObject({ hasMore: true, lastRead: { id: 2_000 - SEARCH_READ_LIMIT + 1 } });
  });

  it('answers an empty list with nothing more to read', async () => {
    const found = await collectMatching({ page: listOf(0, 1).page, matches: () => true, limit: 10, filtered: true });

    expect(found).toEqual({ items: [], hasMore: false, lastRead: undefined });
  });
});

describe('InvalidCursorError', () => {
  it('names the cursor field', () => {
    expect(new InvalidCursorError('starting_after', 'pay_x')).toMatchObject({ name: 'InvalidCursorError', field: 'starting_after' });
  });
});
