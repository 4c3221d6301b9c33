import type { Payout } from '../../lambdas/domain/payouts/payout';

/**
 * A payout as its create stores it (`pending`, nothing reserved, version 1), for unit tests of the payout's
 * rules and of what acts on it; `overrides` set the rail, the channel, the currency or anything else.
 */
export const pendingPayout = (now: Date, overrides: Partial<Payout> = {}): Payout => ({
  id: 'po_1',
  merchantId: 'mer_1',
  beneficiaryId: 'ben_1',
  amount: 1_000,
  currency: 'CAD',
  sourceAmount: 1_000,
  sourceCurrency: 'CAD',
  quoteId: null,
  rail: 'eft_ca',
  channel: 'keystone',
  reference: 'INV-1',
  description: null,
  metadata: {},
  status: 'pending',
  review: null,
  railReference: null,
  failure: null,
  history: [{ status: 'pending', at: now.toISOString() }],
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  submittedAt: null,
  paidAt: null,
  returnedAt: null,
  canceledAt: null,
  version: 1,
  requestFingerprint: 'f',
  funds: 'none',
  screenedAt: null,
  railStatus: null,
  waiting: null,
  inFlightSince: now.toISOString(),
  attention: null,
  ...overrides,
});
