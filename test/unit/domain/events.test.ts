import fc from 'fast-check';
import {
  type EventDraft,
  MAX_EVENTS_PER_PAGE,
  base32Time,
  PAGE_SPAN_MS,
  eventId,
  isEventSelector,
  locateEvent,
  pageTimeOf,
  pagesOf,
  presentEvent,
  selectedBy,
} from '../../../lambdas/domain/events';

/**
 * Events: what a merchant can subscribe to, and event ids that stay the same when a stream batch is
 * processed again (so a retried batch re-sends the same webhook ids and a receiver can drop duplicates).
 */
const t0 = Date.parse('2026-12-06T12:00:00.000Z');
const draft = (overrides: Partial<EventDraft> = {}): EventDraft => ({
  merchantId: 'mer_a',
  type: 'payment.succeeded',
  objectId: 'pay_1',
  sequence: 4,
  createdMs: t0,
  object: { id: 'pay_1', object: 'payment', status: 'succeeded' },
  ...overrides,
});

describe('event selectors', () => {
  it.each([
    ['*', true],
    ['payment.succeeded', true],
    ['payout.*', true],
    ['refund.*', true],
    ['payment.unknown', false],
    ['balance_transaction.available', true],
    ['balance_transaction.*', true],
    ['balance.available', false],
    ['widget.*', false],
    ['', false],
  ])('%s is a selector: %s', (selector, expected) => {
    expect(isEventSelector(selector)).toBe(expected);
  });

  it('selects by exact type, by object and by "*"', () => {
    expect(selectedBy(['payout.*'], 'payout.paid')).toBe(true);
    expect(selectedBy(['payout.*'], 'payment.succeeded')).toBe(false);
    expect(selectedBy(['payment.failed', 'refund.*'], 'refund.succeeded')).toBe(true);
    expect(selectedBy(['*'], 'payment.created')).toBe(true);
  });
});

describe('pagesOf', () => {
  it('makes the same pages and event ids when the same batch is processed again', () => {
    // Prepare
    const drafts = [draft(), draft({ type: 'payment.created', sequence: 1, createdMs: t0 - 500 })];
    // Act
    const first = pagesOf(drafts, 'stream|1|9|2');
    const again = pagesOf([...drafts].reverse(), 'stream|1|9|2');
    // Assess
    expect(again).toEqual(first);
    expect(first).toHaveLength(1);
    expect(first[0]?.events.map((event) => event.type)).toEqual(['payment.created', 'payment.succeeded']);
    expect(pagesOf(drafts, 'stream|10|19|2')[0]?.key).not.toBe(first[0]?.key);
  });

  it('keeps merchants apart and splits a page by day, by a minute of event time and by size', () => {
    const midnight = Date.parse('2026-12-07T00:00:00.000Z');
    const pages = pagesOf(
      [
        draft({ merchantId: 'mer_b' }),
        draft({ createdMs: midnight - 1 }),
        draft({ createdMs: midnight + 1 }),
        draft({ createdMs: midnight + PAGE_SPAN_MS + 1 }),
        ...Array.from({ length: MAX_EVENTS_PER_PAGE + 1 }, (_, index) => draft({ createdMs: t0 - 3_600_000 + index, sequence: index })),
      ],
      'batch',
    );
    const summary = pages.map((page) => `${page.merchantId} ${page.day} ${page.events.length}`);
    // 101 events within a second: 100, then 1; the last second of a day, the first of the next, a minute later.
    expect(summary).toEqual(['mer_a 2026-12-06 100', 'mer_a 2026-12-06 1', 'mer_a 2026-12-06 1', 'mer_a 2026-12-07 1', 'mer_a 2026-12-07 1', 'mer_b 2026-12-06 1']);
  });

  it('names each event by its page and place, and finds it again from the id alone', () => {
    const [page] = pagesOf([draft(), draft({ sequence: 5, createdMs: t0 + 1 })], 'batch');
    const id = eventId(page?.key as string, 1);
    expect(id).toMatch(/^evt_[a-z2-7]{26}$/);
    expect(locateEvent(id)).toEqual({ pageKey: page?.key, day: '2026-12-06', index: 1, pageTimeMs: t0 + 1 });
    expect(locateEvent('evt_notanevent')).toBeUndefined();
    expect(locateEvent(`evt_${'2'.repeat(26)}`)).toBeUndefined(); // time 0: names no page
  });
});

it('presents an event as its webhook carries it: the object after the change and its sequence', () => {
  const presented = presentEvent('evt_x', { type: 'payment.succeeded', objectId: 'pay_1', sequence: 4, createdMs: t0, object: { id: 'pay_1' } });
  expect(presented).toEqual({
    id: 'evt_x',
    object: 'event',
    type: 'payment.succeeded',
    created_at: '2026-12-06T12:00:00.000Z',
    sequence: 4,
    data: { object: { id: 'pay_1' } },
    livemode: false,
  });
});

describe('page keys', () => {
  // Listings read pages by key range, newest first: a key's time must compare as strings as it does as numbers.
  it('sort as their times do, including where a character goes from its 26th value to its 27th', () => {
    // 25 -> 26 in the last character: RFC 4648's alphabet ('z' then '2') sorted these the wrong way round.
    const before = t0 - (t0 % 32) + 25;
    expect(base32Time(before) < base32Time(before + 1)).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 946_684_800_000, max: 32_503_680_000_000 }), fc.integer({ min: 1, max: 40 * 86_400_000 }), (a, gap) => {
        expect(base32Time(a) < base32Time(a + gap)).toBe(true);
        expect(pageTimeOf(`${base32Time(a)}${'a'.repeat(15)}`)).toBe(a);
      }),
      { numRuns: 2_000 },
    );
  });

  it('name events with ids of the documented shape that point back to their page', () => {
    const [page] = pagesOf([draft()], 'batch-1');
    const id = eventId(page?.key as string, 33);
    expect(id).toMatch(/^evt_[a-z2-7]{26}$/);
    expect(locateEvent(id)).toMatchObject({ pageKey: page?.key, index: 33, pageTimeMs: t0 });
  });
});
