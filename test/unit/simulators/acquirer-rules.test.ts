import fc from 'fast-check';
import {
  type AcquirerState,
  AUTHORIZATION_VALIDITY_MS,
  type Effect,
  type LedgerEntry,
  applyEffect,
  applyEntry,
  authorizationAmounts,
  emptyState,
  renderAuthorization,
} from '../../../local/simulators/card-acquirer/model';
import {
  type AcquirerPolicy,
  type AuthorizeRequest,
  type Decision,
  type DecisionContext,
  captureFee,
  decideAuthorize,
  decideCapture,
  decideRefund,
  decideSettlements,
  decideVoid,
} from '../../../local/simulators/card-acquirer/operations';

/**
 * The simulated acquirer's rules as pure decisions: amounts, states, expiry, declines, settlements.
 * Each decision is applied to the books the way the server does, so what a test reads is what a client
 * of the simulator would see.
 */
const policy: AcquirerPolicy = {
  channel: 'atlas',
  supportedCurrencies: new Set(['USD', 'EUR', 'JPY']),
  fees: { percentBps: 290, fixed: { USD: 30 } },
  settlementDelayMs: 1_000,
  settlementWindowMs: 86_400_000,
  refundDelayMs: 2_000,
  emitsEvents: true,
};
const start = new Date('2030-03-01T10:00:00.000Z');
const later = (ms: number) => new Date(start.getTime() + ms);

let sequence = 0;
const contextAt = (now: Date = start): DecisionContext => ({
  now,
  policy,
  newId: (prefix) => `${prefix}_${(sequence += 1)}`,
  newAuthCode: () => 'A1B2C3',
  fingerprint: (number) => `fp_${number.slice(-4)}`,
});

const authorizeRequest = (overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest => ({
  amount: 1_000,
  currency: 'USD',
  card: { number: '4242424242424242', exp_month: 12, exp_year: 2031, cvc: '123' },
  capture_method: 'manual',
  multi_capture: false,
  merchant_reference: 'mer_1',
  payment_reference: 'pay_1',
  ...overrides,
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: Record<string, unknown> };
  readonly effects: readonly Effect[];
}

const apply = (state: AcquirerState, decision: Decision): Answer => {
  for (const effect of decision.effects) applyEffect(state, effect);
  return { status: decision.httpStatus, body: decision.respond(state) as Answer['body'], effects: decision.effects };
};

const authorized = (state: AcquirerState, overrides: Partial<AuthorizeRequest> = {}): string => {
  const answer = apply(state, decideAuthorize(contextAt(), authorizeRequest(overrides)));
  expect(answer.status).toBe(201);
  return answer.body.id as string;
};

const capture = (state: AcquirerState, id: string, amount: number, options: { final?: boolean; at?: Date; currency?: string } = {}) =>
  apply(
    state,
    decideCapture(state, contextAt(options.at), id, { amount, currency: options.currency ?? 'USD', final_capture: options.final ?? true }),
  );

const refund = (state: AcquirerState, id: string, amount: number) =>
  apply(state, decideRefund(state, contextAt(), id, { amount, currency: 'USD', reason: null }));

const view = (state: AcquirerState, id: string, at: Date = start) => {
  const authorization = state.authorizations.get(id);
  if (!authorization) throw new Error(`no ${id}`);
  return renderAuthorization(state, authorization, at);
};

describe('authorize', () => {
  it('approves a good card, holds the amount for 7 days, and keeps only last4, network and a fingerprint', () => {
    const state = emptyState();
    const answer = apply(state, decideAuthorize(contextAt(), authorizeRequest()));
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      status: 'authorized',
      amount: 1_000,
      amount_capturable: 1_000,
      auth_code: 'A1B2C3',
      authorization_type: 'pre',
      card: { network: 'visa', last4: '4242', exp_month: 12, exp_year: 2031, fingerprint: 'fp_4242' },
      expires_at: later(AUTHORIZATION_VALIDITY_MS).toISOString(),
    });
    expect(JSON.stringify(answer)).not.toContain('4242424242424242');
    expect(JSON.stringify(answer)).not.toContain('"123"');
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000127', 'incorrect_cvc'],
    ['4000000000000440', 'do_not_honor'],
    ['4242424242424241', 'incorrect_number'],
  ])('declines %s with %s and records the declined attempt', (number, declineCode) => {
    const state = emptyState();
    const answer = apply(state, decideAuthorize(contextAt(), authorizeRequest({ card: { number, exp_month: 1, exp_year: 2031 } })));
    expect(answer.status).toBe(402);
    expect(answer.body.error).toMatchObject({ type: 'card_error', code: 'card_declined', decline_code: declineCode });
    const id = answer.body.error?.authorization as string;
    expect(view(state, id)).toMatchObject({ status: 'declined', auth_code: null, amount_capturable: 0, amount_released: 0 });
  });

  it('declines a card past its expiry month whatever its number', () => {
    const answer = apply(
      emptyState(),
      decideAuthorize(contextAt(), authorizeRequest({ card: { number: '4242424242424242', exp_month: 2, exp_year: 2030 } })),
    );
    expect(answer.body.error).toMatchObject({ decline_code: 'expired_card' });
  });

  it('refuses a currency the acquirer does not process, recording nothing', () => {
    const answer = apply(emptyState(), decideAuthorize(contextAt(), authorizeRequest({ currency: 'BRL' })));
    expect(answer).toMatchObject({ status: 422, body: { error: { code: 'currency_not_supported', param: 'currency' } }, effects: [] });
  });

  it('marks an automatic-capture authorization as a final authorization', () => {
    const state = emptyState();
    const id = authorized(state, { capture_method: 'automatic' });
    expect(view(state, id).authorization_type).toBe('final');
  });
});

describe('capture', () => {
  it('refuses more than the authorized amount and changes nothing', () => {
    const state = emptyState();
    const id = authorized(state);
    expect(capture(state, id, 1_001)).toMatchObject({ status: 422, body: { error: { code: 'amount_too_large', param: 'amount' } }, effects: [] });
    expect(view(state, id)).toMatchObject({ status: 'authorized', amount_capturable: 1_000 });
  });

  it('captures part, releases the rest, and then refuses a second capture', () => {
    const state = emptyState();
    const id = authorized(state);
    const first = capture(state, id, 600);
    expect(first).toMatchObject({ status: 201, body: { amount: 600, final_capture: true, amount_released: 400, status: 'pending', settled_at: null } });
    expect(view(state, id)).toMatchObject({ status: 'captured', amount_captured: 600, amount_capturable: 0, amount_released: 400 });
    expect(capture(state, id, 100)).toMatchObject({ status: 409, body: { error: { code: 'authorization_already_captured' } } });
  });

  it('allows a non-final capture only on a multi-capture authorization', () => {
    const state = emptyState();
    const id = authorized(state);
    expect(capture(state, id, 100, { final: false })).toMatchObject({ status: 422, body: { error: { code: 'multi_capture_not_enabled' } } });
  });

  it('takes several captures on a multi-capture authorization, up to the authorized amount', () => {
    const state = emptyState();
    const id = authorized(state, { multi_capture: true });
    expect(capture(state, id, 300, { final: false }).status).toBe(201);
    expect(capture(state, id, 300, { final: false }).status).toBe(201);
    expect(view(state, id)).toMatchObject({ status: 'partially_captured', amount_captured: 600, amount_capturable: 400 });
    expect(capture(state, id, 500, { final: false }).body.error).toMatchObject({ code: 'amount_too_large' });
    expect(capture(state, id, 400, { final: false }).body).toMatchObject({ amount: 400, amount_released: 0 });
    expect(view(state, id)).toMatchObject({ status: 'captured', amount_captured: 1_000, amount_released: 0 });
    expect(capture(state, id, 1).body.error).toMatchObject({ code: 'authorization_already_captured' });
  });

  it('closes a multi-capture authorization on a final capture, releasing what is left', () => {
    const state = emptyState();
    const id = authorized(state, { multi_capture: true });
    capture(state, id, 250, { final: false });
    expect(capture(state, id, 250).body).toMatchObject({ final_capture: true, amount_released: 500 });
    expect(view(state, id)).toMatchObject({ status: 'captured', amount_captured: 500, amount_released: 500 });
  });

  it('refuses a capture in another currency than the authorization', () => {
    const state = emptyState();
    const id = authorized(state);
    expect(capture(state, id, 100, { currency: 'EUR' }).body.error).toMatchObject({ code: 'currency_mismatch' });
  });

  it('refuses every capture of the capture-failure test card, which can still be voided', () => {
    const state = emptyState();
    const id = authorized(state, { card: { number: '4000000000000259', exp_month: 1, exp_year: 2031 } });
    expect(capture(state, id, 1_000)).toMatchObject({ status: 402, body: { error: { type: 'capture_error', code: 'capture_failed' } }, effects: [] });
    expect(apply(state, decideVoid(state, contextAt(), id)).body).toMatchObject({ status: 'voided', amount_released: 1_000 });
  });

  it('answers 404 for an unknown authorization, kept out of the idempotency records', () => {
    const decision = decideCapture(emptyState(), contextAt(), 'auth_missing', { amount: 1, currency: 'USD', final_capture: true });
    expect(decision).toMatchObject({ record: false, httpStatus: 404 });
  });

  it('charges the fee schedule: percentage rounded half up to the minor unit, plus the fixed part', () => {
    expect(captureFee(1_000, 'USD', policy.fees)).toBe(29 + 30);
    expect(captureFee(50, 'USD', policy.fees)).toBe(1 + 30); // 1.45 → 1
    expect(captureFee(100, 'JPY', { percentBps: 50, fixed: {} })).toBe(1); // 0.5 → 1
    expect(captureFee(99_999_999_999, 'EUR', policy.fees)).toBe(2_900_000_000); // 2 899 999 999.971 → no float drift
    const state = emptyState();
    const id = authorized(state);
    expect(capture(state, id, 1_000).body).toMatchObject({ fee: 59, net: 941 });
  });
});

describe('void', () => {
  it('releases the whole hold, and voiding again changes nothing', () => {
    const state = emptyState();
    const id = authorized(state);
    const first = apply(state, decideVoid(state, contextAt(), id));
    expect(first.body).toMatchObject({ status: 'voided', amount_released: 1_000, voided_at: start.toISOString() });
    const again = apply(state, decideVoid(state, contextAt(later(5_000)), id));
    expect(again).toMatchObject({ status: 200, effects: [], body: { status: 'voided', voided_at: start.toISOString() } });
    expect(capture(state, id, 100).body.error).toMatchObject({ code: 'authorization_voided' });
  });

  it('is refused once anything was captured', () => {
    const state = emptyState();
    const id = authorized(state, { multi_capture: true });
    capture(state, id, 100, { final: false });
    expect(apply(state, decideVoid(state, contextAt(), id))).toMatchObject({
      status: 409,
      body: { error: { code: 'authorization_already_captured' } },
      effects: [],
    });
  });
});

describe('refund', () => {
  it('refunds in parts up to what was captured, never more', () => {
    const state = emptyState();
    const id = authorized(state);
    capture(state, id, 800);
    expect(refund(state, id, 500)).toMatchObject({ status: 201, body: { amount: 500, status: 'pending' } });
    expect(refund(state, id, 301)).toMatchObject({ status: 422, body: { error: { code: 'amount_too_large' } }, effects: [] });
    expect(refund(state, id, 300).status).toBe(201);
    expect(refund(state, id, 1).body.error).toMatchObject({ code: 'amount_too_large' });
    expect(view(state, id)).toMatchObject({ amount_captured: 800, amount_refunded: 800 });
  });

  it('refuses a refund of an authorization nothing was captured from', () => {
    const state = emptyState();
    const id = authorized(state);
    expect(refund(state, id, 1)).toMatchObject({ status: 409, body: { error: { code: 'authorization_not_captured' } } });
  });
});

describe('expiry', () => {
  it('lets the hold lapse exactly 7 days after authorization', () => {
    const state = emptyState();
    const id = authorized(state);
    const lastMoment = later(AUTHORIZATION_VALIDITY_MS - 1);
    const expiry = later(AUTHORIZATION_VALIDITY_MS);
    expect(view(state, id, lastMoment)).toMatchObject({ status: 'authorized', amount_capturable: 1_000 });
    expect(view(state, id, expiry)).toMatchObject({ status: 'expired', amount_capturable: 0, amount_released: 1_000 });
    expect(capture(state, id, 1_000, { at: expiry })).toMatchObject({ status: 409, body: { error: { code: 'authorization_expired' } } });
    expect(apply(state, decideVoid(state, contextAt(expiry), id)).body.error).toMatchObject({ code: 'authorization_expired' });
    expect(capture(state, id, 1_000, { at: lastMoment }).status).toBe(201);
  });

  it('keeps what a multi-capture authorization captured and releases the rest at expiry', () => {
    const state = emptyState();
    const id = authorized(state, { multi_capture: true });
    capture(state, id, 300, { final: false });
    const expiry = later(AUTHORIZATION_VALIDITY_MS);
    expect(view(state, id, expiry)).toMatchObject({ status: 'captured', amount_captured: 300, amount_released: 700 });
    expect(capture(state, id, 100, { at: expiry, final: false }).body.error).toMatchObject({ code: 'authorization_expired' });
  });
});

describe('settlement', () => {
  it('settles captures and completes refunds when due, each once, with an event', () => {
    const state = emptyState();
    const id = authorized(state);
    const captured = capture(state, id, 1_000).body.id as string;
    const refunded = refund(state, id, 400).body.id as string;
    expect(decideSettlements(state, contextAt(later(999)))).toEqual([]);

    const first = decideSettlements(state, contextAt(later(1_000)));
    expect(first.map((effect) => effect.type)).toEqual(['capture.settled', 'event.created']);
    expect(first[1]).toMatchObject({ event: { type: 'capture.settled', channel: 'atlas', data: { object: { id: captured, status: 'settled' } } } });
    for (const effect of first) applyEffect(state, effect);
    expect(state.captures.get(captured)?.settledAt).toBe(later(1_000).toISOString());

    const second = decideSettlements(state, contextAt(later(2_000)));
    expect(second).toMatchObject([{ type: 'refund.succeeded', refund: refunded }, { event: { type: 'refund.succeeded', data: { object: { status: 'succeeded' } } } }]);
    for (const effect of second) applyEffect(state, effect);
    expect(decideSettlements(state, contextAt(later(10_000)))).toEqual([]);
  });

  it('creates no events when no notification URL is configured', () => {
    const state = emptyState();
    const id = authorized(state);
    capture(state, id, 1_000);
    const effects = decideSettlements(state, { ...contextAt(later(1_000)), policy: { ...policy, emitsEvents: false } });
    expect(effects.map((effect) => effect.type)).toEqual(['capture.settled']);
  });
});

it('rebuilds the same books from the ledger lines', () => {
  const state = emptyState();
  const entries: LedgerEntry[] = [];
  const keep = (decision: Decision) => {
    entries.push({ v: 1, at: start.toISOString(), effects: decision.effects });
    return apply(state, decision);
  };
  const id = keep(decideAuthorize(contextAt(), authorizeRequest({ multi_capture: true }))).body.id as string;
  keep(decideCapture(state, contextAt(), id, { amount: 400, currency: 'USD', final_capture: false }));
  keep(decideRefund(state, contextAt(), id, { amount: 150, currency: 'USD', reason: 'requested_by_customer' }));
  const replayed = emptyState();
  for (const entry of JSON.parse(JSON.stringify(entries)) as LedgerEntry[]) applyEntry(replayed, entry);
  expect(view(replayed, id)).toEqual(view(state, id));
});

it('never captures more than authorized nor refunds more than captured, whatever the sequence of requests', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('capture' as const), amount: fc.integer({ min: 1, max: 1_200 }), final: fc.boolean() }),
    fc.record({ kind: fc.constant('refund' as const), amount: fc.integer({ min: 1, max: 1_200 }) }),
    fc.record({ kind: fc.constant('void' as const) }),
    fc.record({ kind: fc.constant('wait' as const), days: fc.integer({ min: 0, max: 8 }) }),
  );
  fc.assert(
    fc.property(fc.boolean(), fc.array(step, { maxLength: 12 }), (multiCapture, steps) => {
      const state = emptyState();
      const id = authorized(state, { multi_capture: multiCapture });
      let now = start;
      for (const next of steps) {
        if (next.kind === 'wait') now = new Date(now.getTime() + next.days * 24 * 60 * 60 * 1000);
        if (next.kind === 'capture') apply(state, decideCapture(state, contextAt(now), id, { amount: next.amount, currency: 'USD', final_capture: next.final || !multiCapture }));
        if (next.kind === 'refund') apply(state, decideRefund(state, contextAt(now), id, { amount: next.amount, currency: 'USD', reason: null }));
        if (next.kind === 'void') apply(state, decideVoid(state, contextAt(now), id));
        const authorization = state.authorizations.get(id);
        if (!authorization) throw new Error('lost the authorization');
        const amounts = authorizationAmounts(state, authorization, now);
        expect(amounts.captured + amounts.capturable + amounts.released).toBe(1_000);
        expect(amounts.refunded).toBeLessThanOrEqual(amounts.captured);
        if (authorization.voidedAt !== null) expect(amounts.captured).toBe(0);
        if (!multiCapture) expect(authorization.captures.length).toBeLessThanOrEqual(1);
      }
    }),
  );
});
