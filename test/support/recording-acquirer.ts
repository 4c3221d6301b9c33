import { minorUnitsFromWire } from '../../lambdas/domain/money';
import type {
  AuthorizeCommand,
  CaptureCommand,
  CardChannel,
  ChannelAuthorization,
  ChannelCapture,
  ChannelOperation,
  ChannelRefund,
  RefundCommand,
  VoidCommand,
} from '../../lambdas/ports/card-channel';

/**
 * A card acquirer for use-case unit tests: approves every card, captures, voids and refunds, records each
 * authorization and capture under its idempotency key (a repeat answers the first), and counts what it was
 * asked. A sale (`capture: true`) is answered captured in full, unless `capturesSales` is false (an acquirer
 * that approves and leaves the capture to the caller). While `down`, lookups fail as an acquirer that does not
 * answer (ChannelUnavailable). The simulators
 * (local/simulators/card-acquirer) are what integration tests and drills talk to.
 */
export class RecordingAcquirer implements CardChannel {
  readonly channel = 'atlas';
  down = false;
  readonly authorizeCalls: AuthorizeCommand[] = [];
  readonly captures: CaptureCommand[] = [];
  readonly voids: VoidCommand[] = [];
  readonly refunds: RefundCommand[] = [];
  lookups = 0;
  capturesSales = true;
  private authorizations = 0;
  private readonly operations = new Map<string, ChannelOperation>();

  constructor(private readonly now: () => Date) {}

  private record(key: string, operation: { type: 'authorize'; outcome: 'succeeded'; authorization: ChannelAuthorization } | { type: 'capture'; outcome: 'succeeded'; capture: ChannelCapture }) {
    this.operations.set(key, { channel: this.channel, operationId: `op_${this.operations.size + 1}`, idempotencyKey: key, target: null, reference: null, createdAt: this.now().toISOString(), ...operation });
  }

  async authorize(command: AuthorizeCommand): Promise<ChannelAuthorization> {
    this.authorizeCalls.push(command);
    const recorded = this.operations.get(command.idempotencyKey);
    if (recorded?.type === 'authorize' && recorded.outcome === 'succeeded') return recorded.authorization;
    this.authorizations += 1;
    const amount = minorUnitsFromWire(command.amount);
    const sold = command.capture === true && this.capturesSales;
    const authorization: ChannelAuthorization = {
      channel: this.channel,
      authorizationId: `auth_${this.authorizations}`,
      authCode: '123456',
      status: sold ? 'captured' : 'authorized',
      currency: command.currency,
      amountAuthorized: amount,
      amountCapturable: sold ? minorUnitsFromWire(0) : amount,
      amountCaptured: sold ? amount : minorUnitsFromWire(0),
      amountRefunded: minorUnitsFromWire(0),
      amountReleased: minorUnitsFromWire(0),
      captureMethod: command.captureMethod,
      multiCapture: false,
      card: { brand: 'visa', last4: command.card.number.slice(-4), expMonth: command.card.expMonth, expYear: command.card.expYear, fingerprint: 'fp_card' },
      merchantReference: command.merchantReference,
      paymentReference: command.paymentReference,
      createdAt: this.now().toISOString(),
      expiresAt: new Date(this.now().getTime() + 7 * 86_400_000).toISOString(),
      voidedAt: null,
      captureIds: sold ? [`cap_sale_${this.authorizations}`] : [],
      refundIds: [],
    };
    this.record(command.idempotencyKey, { type: 'authorize', outcome: 'succeeded', authorization });
    return authorization;
  }

  async capture(command: CaptureCommand): Promise<ChannelCapture> {
    this.captures.push(command);
    const amount = minorUnitsFromWire(command.amount);
    const capture: ChannelCapture = {
      channel: this.channel,
      captureId: `cap_${this.captures.length}`,
      authorizationId: command.authorizationId,
      amount,
      currency: command.currency,
      finalCapture: true,
      amountReleased: minorUnitsFromWire(0),
      fee: minorUnitsFromWire(0),
      net: amount,
      status: 'pending',
      createdAt: this.now().toISOString(),
      settledAt: null,
    };
    this.record(command.idempotencyKey, { type: 'capture', outcome: 'succeeded', capture });
    return capture;
  }

  async void(command: VoidCommand): Promise<ChannelAuthorization> {
    this.voids.push(command);
    return {} as ChannelAuthorization;
  }

  async refund(command: RefundCommand): Promise<ChannelRefund> {
    this.refunds.push(command);
    return {} as ChannelRefund;
  }

  async findOperation(idempotencyKey: string) {
    this.lookups += 1;
    if (this.down) throw Object.assign(new Error('The acquirer does not answer'), { name: 'ChannelUnavailable' });
    return this.operations.get(idempotencyKey);
  }

  async operationsFor() {
    return [];
  }

  async getAuthorization() {
    return undefined;
  }
}
