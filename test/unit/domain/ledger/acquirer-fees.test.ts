import { emptyPosition, positionKindOf, positionProblems } from '../../../../lambdas/domain/ledger/positions';
import { acquirerFeesBooked, settlementBatchPositionId, buildPosting } from '../../../../lambdas/domain/ledger/postings';
import { PostingRejectedError } from '../../../../lambdas/domain/ledger/errors';
import { applyDelta } from '../../../../lambdas/domain/ledger/positions';

/** The acquirer's fees of a settlement batch: the platform's cost, out of the cash at the channel, once. */
const now = new Date('2026-12-06T12:00:00Z');
const positionId = settlementBatchPositionId('atlas', 'atlas-usd-1', 'USD');
const event = { positionId, channel: 'atlas', batchId: 'atlas-usd-1', currency: 'USD', amount: 12_345 };

it('debits the platform acquirer fees and credits the channel clearing account, balanced, on the batch position', () => {
  expect(positionId).toMatch(/^stlr_[a-z2-7]{26}$/);
  expect(positionKindOf(positionId)).toBe('settlement');
  const transaction = buildPosting(acquirerFeesBooked, event, emptyPosition(positionId, 'platform'), now);
  expect(transaction).toMatchObject({
    kind: 'acquirer_fees',
    merchantId: 'platform',
    positionId,
    line: null,
    positionDelta: { acquirerFees: 12_345 },
    entries: [
      { account: 'platform_acquirer_fees:platform:USD', side: 'debit', amount: 12_345, currency: 'USD' },
      { account: 'channel_clearing:atlas:USD', side: 'credit', amount: 12_345, currency: 'USD' },
    ],
  });
  expect(buildPosting(acquirerFeesBooked, event, emptyPosition(positionId, 'platform'), now).id).toBe(transaction.id);
  expect(settlementBatchPositionId('atlas', 'atlas-usd-1', 'CAD')).not.toBe(positionId);
});

it('books a batch once, and refuses nothing-worth or bad input', () => {
  const booked = applyDelta(emptyPosition(positionId, 'platform'), { acquirerFees: 12_345 }, { currency: 'USD', channel: 'atlas' });
  expect(positionProblems(booked)).toEqual([]);
  expect(() => buildPosting(acquirerFeesBooked, event, booked, now)).toThrow(expect.objectContaining({ name: 'PostingRejectedError', reason: 'fees_already_booked' }));
  expect(() => buildPosting(acquirerFeesBooked, { ...event, amount: 0 }, emptyPosition(positionId, 'platform'), now)).toThrow(PostingRejectedError);
  expect(() => buildPosting(acquirerFeesBooked, { ...event, currency: 'XXX' }, emptyPosition(positionId, 'platform'), now)).toThrow(PostingRejectedError);
});
