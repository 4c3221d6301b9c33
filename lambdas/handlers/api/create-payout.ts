import { treasuryContracts } from '../../contracts/treasury';
import { fxRepository, rateProvider, spreadSchedule } from '../../wiring/fx';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentPayout } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';
import { workflows } from '../../wiring/payments';
import { createPayout } from '../../use-cases/payouts/create-payout';
import { ledgerStore } from '../../wiring/ledger';

/** POST /v1/payouts */
const payouts = payoutRepository();
const quotes = fxRepository();
const ledger = ledgerStore();
const quoting = { rates: rateProvider(), spreads: spreadSchedule() };

const body = treasuryContracts.createPayout.body;

export const handler = merchantCommandEndpoint({
  operation: 'createPayout',
  homeRegionOnly: true,
  audit: { action: 'payout.create' },
  body,
  fingerprintView: (request) => request,
  handle: async (request) => {
    const payout = await createPayout(
      { payouts, quotes, quoting, ledger, workflows: workflows(), now: () => new Date(), deadline: request.deadline },
      {
        merchantId: request.principal.merchantId,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint: request.requestFingerprint,
        beneficiaryId: request.body.beneficiary_id,
        amount: request.body.amount,
        currency: request.body.currency,
        ...(request.body.source_currency !== undefined ? { sourceCurrency: request.body.source_currency } : {}),
        ...(request.body.quote_id !== undefined ? { quoteId: request.body.quote_id } : {}),
        reference: request.body.reference,
        description: request.body.description,
        metadata: request.body.metadata,
      },
    );
    const presented = presentPayout(payout);
    // Also on a retry that finds the payout its crashed first attempt created: recorded at least once.
    return { status: 201, body: presented, change: { target: { type: 'payout', id: payout.id }, before: null, after: presented } };
  },
});
