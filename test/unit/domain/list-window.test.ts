import { type ListPosition, type ListWindow, createdRange, inWindow, newestFirst, pageInMemory } from '../../../lambdas/domain/list-window';

/** 25 objects, one a second from 12:00:00, two of them sharing a time (ordered by id then). */
const base = Date.parse('2026-12-06T12:00:00.000Z');
const objects: ListPosition[] = Array.from({ length: 25 }, (_, index) => ({
  createdAt: new Date(base + (index === 13 ? 12 : index) * 1000).toISOString(),
  id: `obj_${String(index).padStart(2, '0')}`,
})).sort(newestFirst);
const ids = (items: readonly ListPosition[]) => items.map((item) => item.id);
const page = (window: ListWindow) => pageInMemory(objects, window, (item) => item);

describe('list order', () => {
  it('is newest first, and by id (descending) among objects created in the same millisecond', () => {
    // Prepare / Act
    const order = ids(objects);
    // Assess
    expect(order.slice(0, 3)).toEqual(['obj_24', 'obj_23', 'obj_22']);
    expect(order.indexOf('obj_13')).toBe(order.indexOf('obj_12') - 1);
  });
});

describe('pageInMemory', () => {
  it('pages forward with starting_after and back with ending_before to the same pages', () => {
    // Prepare: walk forward, 7 at a time.
    const forward: ListPosition[][] = [];
    let next = page({ limit: 7 });
    forward.push([...next.items]);
    while (next.hasMore) {
      next = page({ limit: 7, after: next.items[next.items.length - 1] });
      forward.push([...next.items]);
    }
    // Act: walk back from the last page's first object.
    const backward: ListPosition[][] = [forward[forward.length - 1] as ListPosition[]];
    let previous = page({ limit: 7, before: backward[0]?.[0] });
    backward.unshift([...previous.items]);
    while (previous.hasMore) {
      previous = page({ limit: 7, before: previous.items[0] });
      backward.unshift([...previous.items]);
    }
    // Assess
    expect(forward.map(ids)).toEqual([ids(objects.slice(0, 7)), ids(objects.slice(7, 14)), ids(objects.slice(14, 21)), ids(objects.slice(21))]);
    expect(backward.map(ids)).toEqual(forward.map(ids));
  });

  it('shows an ending_before page newest first, nearest the cursor, with has_more for what is newer still', () => {
    const cursor = objects[10] as ListPosition;
    const result = page({ limit: 3, before: cursor });
    expect(ids(result.items)).toEqual(ids(objects.slice(7, 10)));
    expect(result.hasMore).toBe(true);
    const first = page({ limit: 3, before: objects[3] });
    expect({ items: ids(first.items), hasMore: first.hasMore }).toEqual({ items: ids(objects.slice(0, 3)), hasMore: false });
    expect(page({ limit: 3, before: objects[0] })).toEqual({ items: [], hasMore: false });
  });

  it('applies created bounds inclusively, with the cursors inside them', () => {
    const from = base + 5_000;
    const to = base + 9_000;
    const bounded = page({ limit: 100, createdFromMs: from, createdToMs: to });
    expect(ids(bounded.items)).toEqual(['obj_09', 'obj_08', 'obj_07', 'obj_06', 'obj_05']);
    const before = page({ limit: 2, createdFromMs: from, createdToMs: to, before: objects.find((item) => item.id === 'obj_05') });
    expect({ items: ids(before.items), hasMore: before.hasMore }).toEqual({ items: ['obj_07', 'obj_06'], hasMore: true });
  });
});

describe('createdRange', () => {
  it.each([
    ['no bounds', {}, {}],
    ['from only', { createdFromMs: base }, { from: '2026-12-06T12:00:00.000Z' }],
    ['an inclusive upper bound becomes the next millisecond, exclusive', { createdToMs: base }, { to: '2026-12-06T12:00:00.001Z' }],
    ['a bound before 1970 excludes nothing', { createdFromMs: -5 }, {}],
    ['a bound past year 9999 excludes nothing', { createdToMs: 8.64e15 }, {}],
  ])('%s', (_name, window, expected) => {
    expect(createdRange(window)).toEqual(expected);
  });

  it.each([
    ['crossed bounds', { createdFromMs: base + 1, createdToMs: base }],
    ['an upper bound before 1970', { createdToMs: -1 }],
  ])('holds nothing for %s', (_name, window) => {
    expect(createdRange(window)).toBeUndefined();
  });

  it('keeps one millisecond when both bounds are the same instant', () => {
    expect(createdRange({ createdFromMs: base, createdToMs: base })).toEqual({ from: '2026-12-06T12:00:00.000Z', to: '2026-12-06T12:00:00.001Z' });
    expect(inWindow({ limit: 1, createdFromMs: base, createdToMs: base }, { createdAt: '2026-12-06T12:00:00.000Z', id: 'obj_00' })).toBe(true);
  });
});
