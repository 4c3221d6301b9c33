import type { Payment, PaymentCard, PaymentFailure, PaymentRisk, PaymentRoute, PaymentStatus, RiskContext, TimelineEntry } from '../../domain/payment';
import type { PaymentEventType } from '../../domain/payment-lifecycle';
import type { Refund, RefundReason, RefundStatus } from '../../domain/refund';

/**
 * How a payment and a refund are stored: short attribute names, times as epoch milliseconds, nothing
 * stored that is null, empty or derivable (the id is the partition key), the request fingerprint as 32
 * bytes, the timeline as one compact string per entry. DynamoDB bills a write per started KB of the item
 * and stores every attribute name with every item (docs/data-model.md): a payment with its whole timeline
 * stays under 1 KB, so each of its writes costs one unit.
 *
 * The mapping is total and reversible (test/unit/adapters/payment-items.test.ts round-trips every field).
 */
type Item = Record<string, unknown>;

const ms = (iso: string): number => Date.parse(iso);
const iso = (epochMs: unknown): string => new Date(epochMs as number).toISOString();
const isoOrNull = (epochMs: unknown): string | null => (epochMs === undefined ? null : iso(epochMs));

/** Set only when there is something: DynamoDB stores no attribute for it otherwise. */
export const present = (entries: Record<string, unknown>): Item =>
  Object.fromEntries(
    Object.entries(entries).filter(([, value]) => value !== null && value !== undefined && !(typeof value === 'object' && !(value instanceof Uint8Array) && Object.keys(value).length === 0)),
  );

export const hexToBytes = (hex: string): Uint8Array | string => (/^[0-9a-f]{64}$/.test(hex) ? Uint8Array.from(Buffer.from(hex, 'hex')) : hex);
export const bytesToHex = (value: unknown): string => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : String(value));

const EVENT_CODES = {
  'payment.created': 'c',
  'payment.screened': 's',
  'payment.rerouted': 'rr',
  'payment.authorized': 'a',
  'payment.requires_capture': 'w',
  'payment.capture_requested': 'cq',
  'payment.succeeded': 'ok',
  'payment.cancel_requested': 'xq',
  'payment.canceled': 'x',
  'payment.failed': 'f',
  'payment.requires_attention': '!',
  'payment.reviewed': 'rv',
  'refund.created': 'r+',
  'refund.succeeded': 'r',
  'refund.failed': 'r-',
} as const satisfies Record<PaymentEventType, string>;
const EVENT_TYPES = Object.fromEntries(Object.entries(EVENT_CODES).map(([type, code]) => [code, type])) as Record<string, PaymentEventType>;

/**
 * `<code> <version> <epoch ms in base 36>[ <refund id> <amount>][ code=<failure code>]`. The time is in base
 * 36 (8 characters, not 13) and so never digits: a version and a decimal epoch side by side
 * (`1 1796551041693`) read as a grouped, Luhn-valid card number to a data-loss scanner (ours, in
 * test/support/leak-detectors.ts, or Macie's), which would flag every tenth payment.
 */
export const encodeEntry = (entry: TimelineEntry): string =>
  [
    EVENT_CODES[entry.type],
    entry.version,
    ms(entry.at).toString(36),
    ...(entry.refundId === undefined ? [] : [entry.refundId, entry.amount ?? 0]),
    ...(entry.code === undefined ? [] : [`code=${entry.code}`]),
    ...(entry.channel === undefined ? [] : [`ch=${entry.channel}`]),
    ...(entry.reason === undefined ? [] : [`why=${entry.reason}`]),
  ].join(' ');

const TAGGED = ['code=', 'ch=', 'why='];
const tagged = (rest: readonly string[], tag: string): string | undefined => rest.find((part) => part.startsWith(tag))?.slice(tag.length);

export const decodeEntry = (text: string): TimelineEntry => {
  const [code, version, at, ...rest] = text.split(' ');
  const type = EVENT_TYPES[code as string];
  if (!type) throw new Error(`Unknown timeline entry '${code}'`);
  const failure = tagged(rest, 'code=');
  const channel = tagged(rest, 'ch=');
  const reason = tagged(rest, 'why=');
  const [refundId, amount] = rest.filter((part) => !TAGGED.some((tag) => part.startsWith(tag)));
  return {
    type,
    version: Number(version),
    at: iso(Number.parseInt(at as string, 36)),
    ...(refundId === undefined ? {} : { refundId, amount: Number(amount) }),
    ...(failure === undefined ? {} : { code: failure }),
    ...(channel === undefined ? {} : { channel }),
    ...(reason === undefined ? {} : { reason }),
  };
};

const cardItem = (card: PaymentCard): Item =>
  present({ t: card.token, f: card.fingerprint, b: card.brand, l: card.last4, m: card.exp_month, y: card.exp_year, n: card.bin });

const cardOf = (item: Item): PaymentCard =>
  ({
    ...(item.t === undefined ? {} : { token: item.t }),
    fingerprint: item.f,
    brand: item.b,
    last4: item.l,
    exp_month: item.m,
    exp_year: item.y,
    bin: item.n,
  }) as PaymentCard;

const riskItem = (risk: PaymentRisk | null): Item | null =>
  risk
    ? present({
        d: risk.decision,
        s: risk.score,
        r: risk.reasons.join(','),
        v: risk.rules,
        rv: risk.review ? present({ d: risk.review.decision, b: risk.review.by, t: ms(risk.review.at), n: risk.review.note }) : undefined,
      })
    : null;

const riskOf = (item: Item | undefined): PaymentRisk | null => {
  if (!item) return null;
  const review = item.rv as Item | undefined;
  return {
    decision: item.d as PaymentRisk['decision'],
    score: item.s as number,
    reasons: item.r ? String(item.r).split(',') : [],
    ...(item.v === undefined ? {} : { rules: item.v as string }),
    ...(review
      ? { review: { decision: review.d as 'approved' | 'refunded', by: review.b as string, at: iso(review.t), ...(review.n === undefined ? {} : { note: review.n as string }) } }
      : {}),
  };
};

const riskContextItem = (context: RiskContext | null | undefined): Item | null =>
  context ? present({ c: context.customerId, ip: context.ipAddress, ic: context.ipCountry, cc: context.cardCountry }) : null;

const riskContextOf = (item: Item | undefined): Partial<Pick<Payment, 'riskContext'>> =>
  item
    ? {
        riskContext: {
          ...(item.c === undefined ? {} : { customerId: item.c as string }),
          ...(item.ip === undefined ? {} : { ipAddress: item.ip as string }),
          ...(item.ic === undefined ? {} : { ipCountry: item.ic as string }),
          ...(item.cc === undefined ? {} : { cardCountry: item.cc as string }),
        },
      }
    : {};

const failureItem = (failure: PaymentFailure | null) => (failure ? { c: failure.code, m: failure.message } : null);
const failureOf = (item: unknown): PaymentFailure | null => (item ? { code: (item as Item).c as string, message: (item as Item).m as string } : null);

/** The routing decision: plan, failover, and (payments routed since merchant rules) strategy, reason, rule id and rule-set version. */
const routeItem = (route: PaymentRoute): Item =>
  present({ p: route.plan.join(','), f: route.failover, s: route.strategy, y: route.reason, ri: route.rule?.id, rv: route.rule?.version });
const routeOf = (item: Item): PaymentRoute => ({
  plan: String(item.p).split(','),
  failover: item.f === true,
  ...(item.s === undefined ? {} : { strategy: item.s as string }),
  ...(item.y === undefined ? {} : { reason: item.y as string }),
  ...(item.ri === undefined ? {} : { rule: { id: item.ri as string, version: item.rv as number } }),
});

/** The payment's own attributes (keys and index attributes are the repository's). */
export const paymentAttributes = (payment: Payment): Item =>
  present({
    mid: payment.merchantId,
    st: payment.status,
    am: payment.amount,
    cu: payment.currency,
    ac: payment.amountCapturable || null,
    ar: payment.amountReceived || null,
    af: payment.amountRefunded || null,
    ap: payment.amountRefundPending || null,
    cm: payment.captureMethod,
    pm: cardItem(payment.paymentMethod.card),
    de: payment.description,
    md: payment.metadata,
    rk: riskItem(payment.risk),
    rx: riskContextItem(payment.riskContext),
    ch: payment.channel,
    ro: payment.route ? routeItem(payment.route) : null,
    aa: payment.amountAuthorized || null,
    ai: payment.authorizationId,
    ae: payment.authorizationExpiresAt ? ms(payment.authorizationExpiresAt) : null,
    ci: payment.captureId,
    cq: payment.captureRequested
      ? present({ a: payment.captureRequested.amount, t: ms(payment.captureRequested.requestedAt), c: payment.captureRequested.commandId })
      : null,
    fl: failureItem(payment.failure),
    cr: payment.cancellationReason,
    cc: payment.cancelCommandId,
    ca: ms(payment.createdAt),
    ua: ms(payment.updatedAt),
    v: payment.version,
    rf: hexToBytes(payment.requestFingerprint),
    fs: payment.inFlightSince ? ms(payment.inFlightSince) : null,
    tl: payment.timeline.map(encodeEntry),
  });

export const paymentOf = (id: string, item: Item): Payment => {
  const risk = item.rk as Item | undefined;
  const requested = item.cq as Item | undefined;
  return {
    id,
    merchantId: item.mid as string,
    status: item.st as PaymentStatus,
    amount: item.am as number,
    currency: item.cu as string,
    amountCapturable: (item.ac as number | undefined) ?? 0,
    amountReceived: (item.ar as number | undefined) ?? 0,
    amountRefunded: (item.af as number | undefined) ?? 0,
    amountRefundPending: (item.ap as number | undefined) ?? 0,
    captureMethod: item.cm as Payment['captureMethod'],
    paymentMethod: { type: 'card', card: cardOf(item.pm as Item) },
    description: (item.de as string | undefined) ?? null,
    metadata: (item.md as Record<string, string> | undefined) ?? {},
    risk: riskOf(risk),
    ...riskContextOf(item.rx as Item | undefined),
    channel: (item.ch as string | undefined) ?? null,
    ...(item.ro === undefined ? {} : { route: routeOf(item.ro as Item) }),
    amountAuthorized: (item.aa as number | undefined) ?? 0,
    authorizationId: (item.ai as string | undefined) ?? null,
    authorizationExpiresAt: isoOrNull(item.ae),
    captureId: (item.ci as string | undefined) ?? null,
    captureRequested: requested
      ? { amount: requested.a as number, requestedAt: iso(requested.t), ...(requested.c === undefined ? {} : { commandId: requested.c as string }) }
      : null,
    failure: failureOf(item.fl),
    cancellationReason: (item.cr as string | undefined) ?? null,
    ...(item.cc === undefined ? {} : { cancelCommandId: item.cc as string }),
    createdAt: iso(item.ca),
    updatedAt: iso(item.ua),
    version: item.v as number,
    requestFingerprint: bytesToHex(item.rf),
    inFlightSince: isoOrNull(item.fs),
    timeline: ((item.tl as string[] | undefined) ?? []).map(decodeEntry),
  };
};

export const refundAttributes = (refund: Refund): Item =>
  present({
    mid: refund.merchantId,
    pid: refund.paymentId,
    am: refund.amount,
    cu: refund.currency,
    st: refund.status,
    rs: refund.reason,
    cri: refund.channelRefundId,
    fl: failureItem(refund.failure),
    ca: ms(refund.createdAt),
    ua: ms(refund.updatedAt),
    v: refund.version,
    rf: hexToBytes(refund.requestFingerprint),
  });

export const refundOf = (id: string, item: Item): Refund => ({
  id,
  merchantId: item.mid as string,
  paymentId: item.pid as string,
  amount: item.am as number,
  currency: item.cu as string,
  status: item.st as RefundStatus,
  reason: (item.rs as RefundReason | undefined) ?? null,
  channelRefundId: (item.cri as string | undefined) ?? null,
  failure: failureOf(item.fl),
  createdAt: iso(item.ca),
  updatedAt: iso(item.ua),
  version: item.v as number,
  requestFingerprint: bytesToHex(item.rf),
});
