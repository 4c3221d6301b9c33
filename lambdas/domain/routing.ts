import type { ChannelContract } from '../../platform/channels';
import { DomainError } from './errors';

/**
 * Choosing the card channel for a payment: among the channels that settle its currency and are not
 * known to be down, the one whose fee for this amount is lowest (ties: declaration order). The fee is
 * computed as the channel's contract does: percentage rounded half up, plus the fixed part.
 */
export class NoChannelAvailableError extends DomainError {
  override readonly name = 'NoChannelAvailable';

  constructor(readonly currency: string) {
    super(`No card channel accepts ${currency} right now.`);
  }
}

export const channelFee = (contract: ChannelContract, amount: number, currency: string): number =>
  Number((BigInt(amount) * BigInt(contract.fees.percentBps) + 5_000n) / 10_000n) + (contract.fees.fixed[currency] ?? 0);

export interface RoutingDecision {
  readonly channel: string;
  readonly expectedFee: number;
  readonly candidates: readonly string[];
}

export const chooseChannel = (
  contracts: Readonly<Record<string, ChannelContract>>,
  payment: { readonly amount: number; readonly currency: string },
  unavailable: ReadonlySet<string> = new Set(),
): RoutingDecision => {
  const candidates = Object.entries(contracts)
    .filter(([name, contract]) => contract.supportedCurrencies.includes(payment.currency) && !unavailable.has(name))
    .map(([name, contract]) => ({ name, fee: channelFee(contract, payment.amount, payment.currency) }));
  const best = candidates.reduce<(typeof candidates)[number] | undefined>((cheapest, candidate) => (!cheapest || candidate.fee < cheapest.fee ? candidate : cheapest), undefined);
  if (!best) throw new NoChannelAvailableError(payment.currency);
  return { channel: best.name, expectedFee: best.fee, candidates: candidates.map((candidate) => candidate.name) };
};
