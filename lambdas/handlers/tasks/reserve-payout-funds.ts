import { checkedInSanctionsList } from '../../adapters/screening/checked-in-sanctions-list';
import { ledgerDeps } from '../../wiring/ledger';
import { workflows } from '../../wiring/payments';
import { payoutStepInput } from '../../shared/payout-task-input';
import { payoutRepository } from '../../wiring/payouts';
import { taskHandler } from '../../shared/task-handler';
import { reservePayoutFunds } from '../../use-cases/payout-saga/reserve-payout-funds';
import { merchantRepository } from '../../wiring/merchants';

const merchants = merchantRepository();

/** Payout workflow, step Reserve: hold the source amount and screen the beneficiary (a hit starts the review wait). */
export const handler = taskHandler({
  step: 'Reserve',
  input: payoutStepInput,
  run: (input) =>
    reservePayoutFunds(
      { payouts: payoutRepository(), ledger: ledgerDeps(), sanctions: checkedInSanctionsList, merchants, workflows: workflows(), now: () => new Date() },
      input,
    ),
});
