import { treasuryContracts } from '../../contracts/treasury';
import { fxRepository } from '../../wiring/fx';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentConversion } from '../../shared/http/treasury-presenters';
import { ledgerDeps } from '../../wiring/ledger';
import { createConversion } from '../../use-cases/fx/create-conversion';

/** POST /v1/conversions */
const quotes = fxRepository();
const ledger = ledgerDeps();

const body = treasuryContracts.createConversion.body;

export const handler = merchantCommandEndpoint({
  operation: 'createConversion',
  homeRegionOnly: true,
  audit: { action: 'conversion.create' },
  body,
  fingerprintView: (request) => request,
  // The quote's claim for the derived conversion id leases the key (`inFlightMs`, decision record 0060): a duplicate in
  // flight is refused with 409 idempotency_in_progress, as a payment's is by its card hold (0048).
  guardsDuplicates: true,
  handle: async (request) => {
    const { conversion } = await createConversion(
      { quotes, ledger, now: () => new Date(), inFlightMs: request.inFlightMs },
      {
        merchantId: request.principal.merchantId,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint: request.requestFingerprint,
        quoteId: request.body.quote_id,
      },
    );
    const presented = presentConversion(conversion);
    // Every 201 records its entry (at least once, as every create, decision record 0060): a retry that finds the conversion
    // its first attempt stored records the entry that attempt's failed append lost.
    return { status: 201, body: presented, change: { target: { type: 'conversion', id: conversion.id }, before: null, after: presented } };
  },
});
