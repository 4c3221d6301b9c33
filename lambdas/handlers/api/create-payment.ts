import { paymentContracts } from '../../contracts/payments';
import { summarizeCard } from '../../domain/card';
import { cardVelocity } from '../../wiring/card-hold-table';
import { cardHoldsFromEnvironment } from '../../wiring/card-holds';
import { paymentRepository, workflows } from '../../wiring/payments';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentPayment } from '../../shared/http/presenters';
import { merchantRiskRules } from '../../wiring/risk-rules';
import { channelHealth, merchantRouting } from '../../wiring/routing';
import { createPayment } from '../../use-cases/create-payment';
import { screeningOf } from '../../use-cases/payment-saga/screen-payment';

/** The API's `risk_context` → the payment's (only the fields given). */
const riskContextOf = (context: { customer_id?: string; ip_address?: string; ip_country?: string; card_country?: string }) => ({
  ...(context.customer_id === undefined ? {} : { customerId: context.customer_id }),
  ...(context.ip_address === undefined ? {} : { ipAddress: context.ip_address }),
  ...(context.ip_country === undefined ? {} : { ipCountry: context.ip_country }),
  ...(context.card_country === undefined ? {} : { cardCountry: context.card_country }),
});

/** POST /v1/payments */
const payments = paymentRepository();
const holds = cardHoldsFromEnvironment();
// The Screen step's decision, made here so that the payment's first write records it (decision record 0038).
const screen = (payment: Parameters<typeof screeningOf>[1]) =>
  screeningOf({ holds, velocity: cardVelocity(), health: channelHealth(), merchantRouting, riskRules: merchantRiskRules }, payment, new Date());

const body = paymentContracts.createPayment.body;

export const handler = merchantCommandEndpoint({
  operation: 'createPayment',
  homeRegionOnly: true,
  // The card hold's and the payment's conditional writes refuse a concurrent duplicate (createPayment's
  // `inFlightMs`): the key's record is written once, with the answer (decision record 0048).
  guardsDuplicates: true,
  audit: { action: 'payment.create' },
  body,
  fingerprintView: (request) => ({
    ...request,
    payment_method: { type: request.payment_method.type, card: summarizeCard(request.payment_method.card) },
  }),
  // The number's keyed fingerprint, as the hold keeps it: another card with the same brand, last4 and expiry is another request.
  keyedFingerprint: (request) => holds.fingerprint(request.payment_method.card.number),
  handle: async (request) => {
    const payment = await createPayment(
      { payments, holds, workflows: workflows(), now: () => new Date(), deadline: request.deadline, inFlightMs: request.inFlightMs, screen },
      {
        merchantId: request.principal.merchantId,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint: request.requestFingerprint,
        amount: request.body.amount,
        currency: request.body.currency,
        captureMethod: request.body.capture_method,
        card: request.body.payment_method.card,
        description: request.body.description,
        metadata: request.body.metadata,
        ...(request.body.risk_context ? { riskContext: riskContextOf(request.body.risk_context) } : {}),
      },
    );
    const presented = presentPayment(payment);
    // Also on a retry that finds the payment its crashed first attempt created: recorded at least once.
    return { status: 201, body: presented, change: { target: { type: 'payment', id: payment.id }, before: null, after: presented } };
  },
});
