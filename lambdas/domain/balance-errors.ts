import { DomainError } from './errors';
import { formatMoney } from './money';

/**
 * The merchant's available balance in a currency cannot cover what a conversion sells or a payout pays
 * (422 `insufficient_funds`). Says how much is available and needed, in that currency's minor units.
 */
export class InsufficientBalanceError extends DomainError {
  override readonly name = 'InsufficientBalanceError';

  constructor(
    readonly currency: string,
    readonly needed: number,
    readonly available: number,
    what: string,
  ) {
    super(
      `The available ${currency} balance (${formatMoney({ amount: available, currency })}) does not cover ${what} (${formatMoney({ amount: needed, currency })}).`,
    );
  }
}
