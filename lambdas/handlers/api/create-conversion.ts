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
  handle: async (request) => {
    const conversion = await createConversion(
      { quotes, ledger, now: () => new Date() },
      {
        merchantId: request.principal.merchantId,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint: request.requestFingerprint,
        quoteId: request.body.quote_id,
      },
    );
    const presented = presentConversion(conversion);
    return { status: 201, body: presented, change: { target: { type: 'conversion', id: conversion.id }, before: null, after: presented } };
  },
});
